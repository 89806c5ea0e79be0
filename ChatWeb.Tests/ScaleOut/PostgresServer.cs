using Npgsql;

namespace ChatWeb.Tests.ScaleOut;

/// <summary>
/// A throwaway PostgreSQL cluster for this test run: initdb and pg_ctl in a temp folder, on a free port, trusting
/// local connections; started once on first use and stopped when the test process ends. When the tests run as
/// root (CI) the cluster runs as the unprivileged user "postgres" (or "nobody"), since PostgreSQL refuses root.
/// Each test gets an empty database of its own (<see cref="CreateDatabase"/>).
/// </summary>
public sealed class PostgresServer
{
    private static readonly Lazy<PostgresServer> Instance = new(Start);

    private readonly string _bin, _folder;
    private readonly string? _runAs;

    public int Port { get; }

    private PostgresServer(string bin, string folder, string? runAs, int port) => (_bin, _folder, _runAs, Port) = (bin, folder, runAs, port);

    /// <summary>The cluster, started on first use.</summary>
    public static PostgresServer Shared => Instance.Value;

    /// <summary>A new, empty database; returns its connection string.</summary>
    public string CreateDatabase()
    {
        var name = "chatweb_" + Guid.NewGuid().ToString("N")[..12];
        using (var connection = new NpgsqlConnection(ConnectionString("postgres")))
        {
            connection.Open();
            using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            command.ExecuteNonQuery();
        }
        return ConnectionString(name);
    }

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=chatweb;Database={database};Pooling=true;Maximum Pool Size=40";

    private static PostgresServer Start()
    {
        var bin = ServerTools.PostgresBin();
        var runAs = ServerTools.IsRoot ? UnprivilegedUser() : null;
        var folder = Path.Combine(Path.GetTempPath(), "chatweb-pg-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        if (runAs is not null)
            ServerTools.Run("chown", [runAs, folder]);
        var data = Path.Combine(folder, "data");
        ServerTools.Run(Path.Combine(bin, "initdb"), ["-D", data, "-U", "chatweb", "-A", "trust", "-E", "UTF8", "--no-sync"], runAs, 120);

        var port = ServerTools.FreePort();
        var options = $"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off -c max_connections=200";
        ServerTools.Run(Path.Combine(bin, "pg_ctl"), ["-D", data, "-o", options, "-l", Path.Combine(folder, "log"), "-w", "-t", "60", "start"], runAs, 90);

        var server = new PostgresServer(bin, folder, runAs, port);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop();
        return server;
    }

    private void Stop()
    {
        try
        {
            ServerTools.Run(Path.Combine(_bin, "pg_ctl"), ["-D", Path.Combine(_folder, "data"), "-m", "immediate", "-w", "stop"], _runAs, 30);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException) { }
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static string UnprivilegedUser()
    {
        var users = File.ReadAllLines("/etc/passwd").Select(line => line.Split(':')[0]).ToHashSet();
        return users.Contains("postgres") ? "postgres" : users.Contains("nobody") ? "nobody"
            : throw new InvalidOperationException("Running as root, but there is neither a 'postgres' nor a 'nobody' user to run PostgreSQL as.");
    }
}
