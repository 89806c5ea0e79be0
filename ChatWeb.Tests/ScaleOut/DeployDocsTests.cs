namespace ChatWeb.Tests.ScaleOut;

/// <summary>docs/deploy.md shows the nginx configuration the scale-out tests run (<see cref="NginxServer"/>).</summary>
public sealed class DeployDocsTests
{
    [Fact]
    public void TheNginxConfigurationInTheDocs_HasEveryLineTheTestsRun()
    {
        var docs = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "docs", "deploy.md"));
        var lines = docs.Split('\n').Select(l => l.Split('#')[0].Trim()).ToHashSet();

        string[] tested = [.. NginxServer.RouteMaps, NginxServer.StickyBalancing, .. NginxServer.ProxySettings,
            "map $http_upgrade $connection_upgrade { default upgrade; '' ''; }", "keepalive 64;"];
        Assert.All(tested, line => Assert.Contains(line, lines));
        Assert.Contains("ASPNETCORE_FORWARDEDHEADERS_ENABLED=true", docs);
    }
}
