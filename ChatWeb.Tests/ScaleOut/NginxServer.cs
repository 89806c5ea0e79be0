using System.Diagnostics;
using System.Text;

namespace ChatWeb.Tests.ScaleOut;

/// <summary>
/// nginx in front of ChatWeb instances, as docs/deploy.md configures it (sticky by the session cookie, WebSockets
/// upgraded, no buffering of streamed answers, the next instance tried when one is down; <see cref="DeployDocsTests"/>
/// checks that the docs show these lines), from a generated configuration in a temp folder on a free port; stopped on
/// dispose. Its access log says which instance served each request (<see cref="Requests"/>).
/// </summary>
public sealed class NginxServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _folder;

    public Uri BaseUri { get; }

    private NginxServer(Process process, string folder, int port, bool https) =>
        (_process, _folder, BaseUri) = (process, folder, new Uri($"{(https ? "https" : "http")}://127.0.0.1:{port}/"));

    /// <summary>
    /// Starts nginx; <paramref name="balancing"/> is the upstream's method line (e.g. "ip_hash;", empty for round robin),
    /// and a backend given with " backup" after its address only gets traffic when the others are down.
    /// With <paramref name="https"/> it listens with TLS, on a self-signed certificate made here by openssl.
    /// </summary>
    public static async Task<NginxServer> StartAsync(IReadOnlyList<string> backends, string balancing = StickyBalancing, bool https = false)
    {
        var exe = ServerTools.Find("nginx", "nginx");
        var folder = Path.Combine(Path.GetTempPath(), "chatweb-nginx-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var port = ServerTools.FreePort();
        var config = Path.Combine(folder, "nginx.conf");
        var listen = $"127.0.0.1:{port}";
        if (https)
        {
            ServerTools.Run(ServerTools.Find("openssl", "openssl"), ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                "-subj", "/CN=localhost", "-keyout", Path.Combine(folder, "key.pem"), "-out", Path.Combine(folder, "cert.pem")]);
            listen += $" ssl; ssl_certificate {folder}/cert.pem; ssl_certificate_key {folder}/key.pem";
        }
        await File.WriteAllTextAsync(config, Configuration(folder, listen, backends, balancing));

        var process = ServerTools.Start(exe, ["-p", folder, "-c", config, "-e", Path.Combine(folder, "error.log")]);
        var server = new NginxServer(process, folder, port, https);
        await ServerTools.WaitForPortAsync(port, "nginx", () => server.Log, process);
        return server;
    }

    /// <summary>The documented upstream method: a hash of the routing cookie nginx gives each browser.</summary>
    public const string StickyBalancing = "hash $chatweb_route consistent;";

    /// <summary>
    /// The documented maps: the hash key is the browser's <c>chatweb_route</c> cookie, or for a first request this
    /// request's id, which nginx then gives the browser as that cookie, so its later requests go where the first went.
    /// </summary>
    public static readonly string[] RouteMaps =
    [
        """map $cookie_chatweb_route $chatweb_route { "" $request_id; default $cookie_chatweb_route; }""",
        """map $cookie_chatweb_route $chatweb_route_cookie { "" "chatweb_route=$request_id; Path=/; HttpOnly; SameSite=Lax"; default ""; }""",
    ];

    /// <summary>The documented proxy settings of <c>location /</c>.</summary>
    public static readonly string[] ProxySettings =
    [
        "proxy_pass http://chatweb;",
        "proxy_http_version 1.1;",
        "proxy_set_header Upgrade $http_upgrade;",
        "proxy_set_header Connection $connection_upgrade;",
        "proxy_set_header Host $host;",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "proxy_buffering off;",
        "proxy_read_timeout 1h;",
        "proxy_connect_timeout 2s;",
        "proxy_next_upstream error timeout http_502 http_503;",
        "add_header Set-Cookie $chatweb_route_cookie;",
    ];

    /// <summary>
    /// One request nginx has finished (a WebSocket once it closed): the client's user agent, method, path, status, the
    /// instance(s) tried, and the sticky hash key.
    /// </summary>
    public sealed record Request(string UserAgent, string Method, string Path, int Status, string Upstream, string Key);

    /// <summary>The requests nginx has logged so far.</summary>
    public IReadOnlyList<Request> Requests()
    {
        var file = Path.Combine(_folder, "access.log");
        if (!File.Exists(file))
            return [];
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var lines = new StreamReader(stream).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return [.. lines.Select(l => l.Split('\t')).Where(f => f.Length >= 5)
            .Select(f => new Request(f[0], f[1], f[2], int.TryParse(f[3], out var status) ? status : 0, f[4], f.Length > 5 ? f[5] : ""))];
    }

    public string Log => File.Exists(Path.Combine(_folder, "error.log")) ? File.ReadAllText(Path.Combine(_folder, "error.log")) : "";

    private static string Configuration(string folder, string listen, IReadOnlyList<string> backends, string balancing)
    {
        var servers = new StringBuilder();
        foreach (var backend in backends)
            servers.AppendLine($"        server {backend} max_fails=1 fail_timeout=30s;".Replace(" backup max_fails=1 fail_timeout=30s;", " backup;"));
        return $$"""
            {{(ServerTools.IsRoot ? "user root;" : "")}}
            daemon off;
            worker_processes 1;
            pid {{folder}}/nginx.pid;
            error_log {{folder}}/error.log warn;
            events { worker_connections 4096; }
            http {
                log_format instances '$http_user_agent\t$request_method\t$uri\t$status\t$upstream_addr\t$chatweb_route';
                access_log {{folder}}/access.log instances;
                client_body_temp_path {{folder}}/body;
                proxy_temp_path {{folder}}/proxy;
                fastcgi_temp_path {{folder}}/fastcgi;
                uwsgi_temp_path {{folder}}/uwsgi;
                scgi_temp_path {{folder}}/scgi;

                map $http_upgrade $connection_upgrade { default upgrade; '' ''; }
                {{string.Join("\n                ", RouteMaps)}}

                upstream chatweb {
                    {{balancing}}
            {{servers}}
                    keepalive 64;
                }

                server {
                    listen {{listen}};
                    location / {
                        {{string.Join("\n                        ", ProxySettings)}}
                    }
                }
            }
            """;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
