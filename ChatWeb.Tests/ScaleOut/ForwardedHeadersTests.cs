using System.Net;
using System.Net.Sockets;
using ChatWeb.Api.Access;
using ChatWeb.Tests.Browser;

namespace ChatWeb.Tests.ScaleOut;

/// <summary>
/// Behind nginx (configured as docs/deploy.md shows), an instance with <c>ASPNETCORE_FORWARDEDHEADERS_ENABLED=true</c>
/// sees each client's own address (the API's limit per address counts each client) and HTTPS (the session cookie is
/// Secure), and a client cannot claim another's address (nginx appends the one it saw). Without it every request
/// seems to come from nginx over plain HTTP. The clients connect from different loopback addresses (127.0.0.2, .3).
/// </summary>
[Collection(TwoInstancesCollection.Name)]
public sealed class ForwardedHeadersTests : IAsyncLifetime
{
    private readonly List<string> _folders = [];
    private AppServer _trusting = null!, _plain = null!;
    private NginxServer _toTrusting = null!, _toPlain = null!;

    public async Task InitializeAsync()
    {
        _trusting = await AppServer.StartAsync(Settings(forwardedHeaders: true));
        _plain = await AppServer.StartAsync(Settings(forwardedHeaders: false));
        _toTrusting = await NginxServer.StartAsync([_trusting.BaseUri.Authority], https: true);
        _toPlain = await NginxServer.StartAsync([_plain.BaseUri.Authority], https: true);
    }

    private Dictionary<string, string> Settings(bool forwardedHeaders)
    {
        var folder = Path.Combine(Path.GetTempPath(), "chatweb-forwarded-" + Guid.NewGuid().ToString("N"));
        _folders.Add(folder);
        var settings = new Dictionary<string, string>
        {
            ["ChatWeb:Storage:DataFolder"] = folder,
            ["ChatWeb:Api:Keys:0:Name"] = "team",
            ["ChatWeb:Api:Keys:0:Sha256"] = ApiKeyRing.Hash("forwarded-test-key"),
            ["ChatWeb:Api:RequestsPerMinutePerIp"] = "2",
        };
        if (forwardedHeaders)
            settings["ASPNETCORE_FORWARDEDHEADERS_ENABLED"] = "true";
        return settings;
    }

    public async Task DisposeAsync()
    {
        await _toTrusting.DisposeAsync();
        await _toPlain.DisposeAsync();
        await _trusting.DisposeAsync();
        await _plain.DisposeAsync();
        foreach (var folder in _folders)
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>A client whose connections come from <paramref name="address"/> (accepting nginx's self-signed certificate).</summary>
    private static HttpClient From(string address, NginxServer nginx) => new(new SocketsHttpHandler
    {
        SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Parse(address), 0));
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        },
    }) { BaseAddress = nginx.BaseUri };

    /// <summary>Keyless API requests (refused with 401, and counted per address) until the address is over its limit.</summary>
    private static async Task ExhaustAsync(HttpClient client)
    {
        for (var i = 0; i < 2; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/v1/models")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.GetAsync("/v1/models")).StatusCode);
    }

    [Fact]
    public async Task WithForwardedHeaders_EachClientsAddressHasItsOwnLimit_AndCannotBeClaimedByAnother()
    {
        using var first = From("127.0.0.2", _toTrusting);
        using var second = From("127.0.0.3", _toTrusting);
        await ExhaustAsync(first);

        using var claiming = new HttpRequestMessage(HttpMethod.Get, "/v1/models") { Headers = { { "X-Forwarded-For", "127.0.0.2" } } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await second.SendAsync(claiming)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await second.GetAsync("/v1/models")).StatusCode);
    }

    [Fact]
    public async Task WithoutForwardedHeaders_EveryClientSeemsToBeNginx_AndShareOneLimit()
    {
        using var first = From("127.0.0.2", _toPlain);
        using var second = From("127.0.0.3", _toPlain);
        await ExhaustAsync(first);

        Assert.Equal(HttpStatusCode.TooManyRequests, (await second.GetAsync("/v1/models")).StatusCode);
    }

    [Fact]
    public async Task WithForwardedHeaders_TheSessionCookieIsSecure_OverNginxsHttps()
    {
        using var trusting = From("127.0.0.2", _toTrusting);
        using var plain = From("127.0.0.2", _toPlain);

        var secure = Cookie(await trusting.GetAsync("/"));
        var notSecure = Cookie(await plain.GetAsync("/"));

        Assert.Contains("secure", secure, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", notSecure, StringComparison.OrdinalIgnoreCase);
    }

    private static string Cookie(HttpResponseMessage response) =>
        Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(".ChatWeb.Owner=", StringComparison.Ordinal));
}
