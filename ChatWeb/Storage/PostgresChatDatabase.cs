using System.Data.Common;
using System.Net.Sockets;
using Npgsql;

namespace ChatWeb.Storage;

/// <summary>
/// A PostgreSQL database that several ChatWeb instances share (<c>ChatWeb:Storage:Provider = Postgres</c>).
/// The table <c>chatweb_schema</c> records how many <see cref="Migrations"/> steps it has had. Start-up takes an
/// advisory lock so that instances starting together migrate once, and refuses, changing nothing, a database that
/// holds tables but no <c>chatweb_schema</c> (another program's) or a newer schema than this ChatWeb knows.
/// </summary>
public sealed class PostgresChatDatabase : ChatDatabase, IDisposable
{
    /// <summary>The advisory-lock key that serialises migrations ("ChWb").</summary>
    private const long MigrationLock = 0x43685762;

    private readonly NpgsqlDataSource _source;

    public PostgresChatDatabase(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        Location = $"PostgreSQL database \"{builder.Database}\" on {builder.Host}:{builder.Port}";
        _source = NpgsqlDataSource.Create(builder);
    }

    public override StorageProvider Provider => StorageProvider.Postgres;

    public override string Location { get; }

    public override DbConnection Open() => _source.OpenConnection();

    public override int Initialize()
    {
        try
        {
            using var connection = _source.OpenConnection();
            using var transaction = connection.BeginTransaction();
            connection.Execute($"SELECT pg_advisory_xact_lock({MigrationLock})", transaction);
            var version = SchemaVersion(connection, transaction);
            if (version > Migrations.Steps.Length)
                throw new DatabaseStartupException(
                    $"The {Location} has schema version {version}, but this ChatWeb knows only up to {Migrations.Steps.Length}: " +
                    $"it was written by a newer ChatWeb. Run that version, or set ChatWeb:Storage:ConnectionString to another " +
                    $"database. Nothing was changed.");
            if (version == 0)
                connection.Execute("CREATE TABLE chatweb_schema (version INTEGER NOT NULL); INSERT INTO chatweb_schema VALUES (0)", transaction);
            for (var step = version; step < Migrations.Steps.Length; step++)
                connection.Execute(Migrations.Steps[step].Postgres, transaction);
            connection.Execute("UPDATE chatweb_schema SET version = $version", transaction, ("$version", Migrations.Steps.Length));
            transaction.Commit();
            return Migrations.Steps.Length;
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification)
        {
            throw new DatabaseStartupException(
                $"PostgreSQL refused ChatWeb's login to the {Location}: check the user name and password in " +
                $"ChatWeb:Storage:ConnectionString. ({ex.MessageText})", ex);
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.InvalidCatalogName)
        {
            throw new DatabaseStartupException(
                $"The {Location} does not exist: create it (createdb) or fix Database= in ChatWeb:Storage:ConnectionString. ({ex.MessageText})", ex);
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.InsufficientPrivilege)
        {
            throw new DatabaseStartupException(
                $"ChatWeb's PostgreSQL user may not create or change tables in the {Location}: grant it CREATE on the " +
                $"schema (or make it the database's owner). Nothing was changed. ({ex.MessageText})", ex);
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UndefinedFile && ex.MessageText.Contains("unaccent"))
        {
            throw new DatabaseStartupException(
                $"The PostgreSQL server of the {Location} lacks the unaccent extension, which conversation search uses: install " +
                $"PostgreSQL's contrib modules on it (Debian: postgresql-contrib). Nothing was changed. ({ex.MessageText})", ex);
        }
        catch (NpgsqlException ex) when (ex is not PostgresException)
        {
            var reason = ex.InnerException is SocketException socket ? socket.Message : ex.Message;
            throw new DatabaseStartupException(
                $"ChatWeb cannot reach the {Location}: is PostgreSQL running there and does ChatWeb:Storage:ConnectionString " +
                $"name the right host and port? ({reason})", ex);
        }
    }

    /// <summary>The applied steps; 0 for an empty database; refuses one that holds other programs' tables.</summary>
    private int SchemaVersion(DbConnection connection, DbTransaction transaction)
    {
        if (connection.Scalar("SELECT to_regclass('chatweb_schema')::text", transaction) is not null)
            return Convert.ToInt32(connection.Scalar("SELECT version FROM chatweb_schema", transaction));
        var tables = Convert.ToInt32(connection.Scalar(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()", transaction));
        if (tables > 0)
            throw new DatabaseStartupException(
                $"The {Location} holds {tables} tables but is not a ChatWeb database (it has no chatweb_schema table). " +
                $"ChatWeb did not change it. Give ChatWeb an empty database of its own in ChatWeb:Storage:ConnectionString.");
        return 0;
    }

    public void Dispose() => _source.Dispose();
}
