using System.Diagnostics;
using System.Text;

namespace ChatWeb.Tests.ScaleOut;

/// <summary>
/// nginx in front of ChatWeb instances, as docs/deploy.md configures it (WebSockets upgraded, no buffering of
/// streamed answers, the next instance tried when one is down), from a generated configuration in a temp folder
/// on a free port; stopped on dispose.
/// </summary>
public sealed class NginxServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _folder;

    public Uri BaseUri { get; }

    private NginxServer(Process process, string folder, int port) =>
        (_process, _folder, BaseUri) = (process, folder, new Uri($"http://127.0.0.1:{port}/"));

    /// <summary>
    /// Starts nginx; <paramref name="balancing"/> is the upstream's method line (e.g. "ip_hash;", empty for round robin),
    /// and a backend given with " backup" after its address only gets traffic when the others are down.
    /// </summary>
    public static async Task<NginxServer> StartAsync(IReadOnlyList<string> backends, string balancing = "ip_hash;")
    {
        var exe = ServerTools.Find("nginx", "nginx");
        var folder = Path.Combine(Path.GetTempPath(), "chatweb-nginx-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var port = ServerTools.FreePort();
        var config = Path.Combine(folder, "nginx.conf");
        await File.WriteAllTextAsync(config, Configuration(folder, port, backends, balancing));

        var process = ServerTools.Start(exe, ["-p", folder, "-c", config, "-e", Path.Combine(folder, "error.log")]);
        var server = new NginxServer(process, folder, port);
        await ServerTools.WaitForPortAsync(port, "nginx", () => server.Log, process);
        return server;
    }

    public string Log => File.Exists(Path.Combine(_folder, "error.log")) ? File.ReadAllText(Path.Combine(_folder, "error.log")) : "";

    private static string Configuration(string folder, int port, IReadOnlyList<string> backends, string balancing)
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
                access_log off;
                client_body_temp_path {{folder}}/body;
                proxy_temp_path {{folder}}/proxy;
                fastcgi_temp_path {{folder}}/fastcgi;
                uwsgi_temp_path {{folder}}/uwsgi;
                scgi_temp_path {{folder}}/scgi;

                map $http_upgrade $connection_upgrade { default upgrade; '' ''; }

                upstream chatweb {
                    {{balancing}}
            {{servers}}
                    keepalive 64;
                }

                server {
                    listen 127.0.0.1:{{port}};
                    location / {
                        proxy_pass http://chatweb;
                        proxy_http_version 1.1;
                        proxy_set_header Upgrade $http_upgrade;
                        proxy_set_header Connection $connection_upgrade;
                        proxy_set_header Host $host;
                        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                        proxy_set_header X-Forwarded-Proto $scheme;
                        proxy_buffering off;
                        proxy_read_timeout 1h;
                        proxy_connect_timeout 2s;
                        proxy_next_upstream error timeout http_502 http_503;
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
