using ChatWeb.Tests.Browser;

namespace ChatWeb.Tests.ScaleOut;

/// <summary>
/// nginx as docs/deploy.md configures it keeps each Blazor circuit on one instance while both are up: a browser's
/// requests carry the routing cookie nginx gave it, whose hash picks the instance, so a chat page's circuit requests
/// (<c>/_blazor/negotiate</c>, the WebSocket, the disconnect when the tab closes) reach the instance that rendered the
/// page; different people are spread over both.
/// </summary>
[Collection(TwoInstancesCollection.Name)]
public sealed class StickyCircuitsTests(TwoInstancesFixture fixture) : IClassFixture<TwoInstancesFixture>
{
    [Fact]
    public async Task ThroughNginx_EachPersonsCircuit_StaysOnOneInstance_AndPeopleAreSpreadOverBoth()
    {
        // New people until both instances hold a circuit (each lands on either one, so this ends within a few).
        var people = new List<string>();
        var contexts = new List<Microsoft.Playwright.IBrowserContext>();
        var instances = new HashSet<AppServer>();
        while (instances.Count < 2 && people.Count < 20)
        {
            var person = $"sticky-person-{people.Count}";
            people.Add(person);
            var context = await fixture.NewPersonAsync(fixture.Nginx.BaseUri, person);
            contexts.Add(context);
            var page = await TwoInstancesFixture.OpenChatAsync(context);
            instances.Add(fixture.CircuitInstance(person));
            await page.CloseAsync(); // the tab closes: the circuit's WebSocket ends (so nginx logs it), with the cookie still there
        }
        var requests = await WaitUntilLoggedAsync(people);
        foreach (var context in contexts)
            await context.CloseAsync();

        Assert.Equal(2, instances.Count);
        foreach (var person in people)
        {
            var mine = requests.Where(r => r.UserAgent == person).ToList();
            var circuit = mine.Where(r => r.Path.StartsWith("/_blazor", StringComparison.Ordinal)).ToList();
            Assert.Contains(circuit, r => r.Method == "POST" && r.Path == "/_blazor/negotiate");
            Assert.Contains(circuit, r => r.Method == "GET" && r.Path == "/_blazor" && r.Status == 101); // the WebSocket
            Assert.True(mine.Select(r => r.Upstream).Distinct().Count() == 1,
                $"{person}'s circuit went to more than one instance (page, files or circuit):\n" + string.Join("\n", mine.Select(r => $"{r.Method} {r.Path} {r.Status} {r.Upstream} key {r.Key}")));
        }
    }

    /// <summary>nginx logs a WebSocket when it closes: waits until every person's is in the log.</summary>
    private async Task<IReadOnlyList<NginxServer.Request>> WaitUntilLoggedAsync(List<string> people)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var requests = fixture.Nginx.Requests();
            if (people.All(p => requests.Any(r => r.UserAgent == p && r.Path == "/_blazor" && r.Status == 101)))
                return requests;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("nginx did not log every circuit's WebSocket within 30 s:\n" +
                    string.Join("\n", requests.Select(r => $"{r.UserAgent} {r.Method} {r.Path} {r.Status} {r.Upstream}")));
            await Task.Delay(100);
        }
    }
}
