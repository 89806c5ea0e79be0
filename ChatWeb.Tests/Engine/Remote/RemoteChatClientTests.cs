using ChatWeb.Engine.Chat;
using ChatWeb.Engine.Remote;
using ChatWeb.Engine.Scheduling;
using System.Diagnostics.Metrics;
using ChatWeb.Tests.Engine.Scheduling;
using Microsoft.Extensions.AI;

namespace ChatWeb.Tests.Engine.Remote;

public sealed class RemoteChatClientTests
{
    private static readonly ChatMessage[] Prompt = [new(ChatRole.User, "Say hello")];

    private static RemoteChatClient Model(TimeProvider? time, params FakeEndpoint[] endpoints) => Model(time, 4, 8, endpoints);

    private static RemoteChatClient Model(TimeProvider? time, int concurrent, int queue, params FakeEndpoint[] endpoints) =>
        Model(time, concurrent, queue, null, endpoints);

    private static RemoteChatClient Model(TimeProvider? time, int concurrent, int queue, IMeterFactory? meters, params FakeEndpoint[] endpoints) =>
        new(new RemoteModelSettings
        {
            Name = "big",
            Limits = new InferenceOptions { MaxConcurrentSequences = concurrent, QueueSize = queue, MaxActivePerOwner = 1, ContextLength = 32_768 },
            FirstTokenTimeout = TimeSpan.FromSeconds(5),
            FailuresToOpen = 1,
            BreakDuration = TimeSpan.FromSeconds(30),
            HealthCheckInterval = TimeSpan.Zero,
        }, [.. endpoints.Select(e => e.Endpoint)], time, meters);

    private static async Task<(string Thinking, string Answer)> CollectAsync(IChatClient client, ChatOptions? options = null, CancellationToken token = default)
    {
        var (thinking, answer) = ("", "");
        await foreach (var update in client.GetStreamingResponseAsync(Prompt, options, token))
        {
            foreach (var content in update.Contents)
            {
                if (content is TextReasoningContent r) thinking += r.Text;
                else if (content is TextContent t) answer += t.Text;
            }
        }
        return (thinking, answer);
    }

    [Fact]
    public async Task Answer_StreamsTheEndpointsPiecesInOrder_ThinkingIncluded_WithoutChatWebsOwnKeys()
    {
        var a = new FakeEndpoint("http://a/v1");
        using var model = Model(null, a);

        var (thinking, answer) = await CollectAsync(model, new ChatOptions { ModelId = "big", Temperature = 0.5f }.WithOwner("alice"));

        Assert.Equal("Let me see.", thinking);
        Assert.Equal("Hello from http://a/v1", answer);
        Assert.Null(a.LastOptions!.ModelId); // the endpoint's client sends its own remote model id
        Assert.Null(a.LastOptions.AdditionalProperties);
        Assert.Equal(0.5f, a.LastOptions.Temperature);
        Assert.Equal(EndpointHealth.Up, model.Status().Endpoints[0].Health);
    }

    [Fact]
    public async Task Metrics_NameTheRemoteModel()
    {
        using var meters = new ScopedMeterFactory();
        var tags = new List<string?>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "chatweb.inference.tokens.generated" && instrument.Meter.Scope == meters)
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, _, measured, _) =>
        {
            foreach (var tag in measured)
                if (tag.Key == "model")
                    lock (tags) tags.Add(tag.Value as string);
        });
        listener.Start();
        using var model = Model(null, 4, 8, meters, new FakeEndpoint("http://a/v1"));

        await CollectAsync(model, new ChatOptions().WithOwner("alice"));

        lock (tags)
            Assert.Contains("big", tags);
    }

    [Fact]
    public async Task EndpointThatRefuses_IsSkipped_TheNextOneAnswers_AndTheAdminSeesItDown()
    {
        var (a, b) = (new FakeEndpoint("http://a/v1") { Does = FakeEndpoint.Behaviour.Refuse }, new FakeEndpoint("http://b/v1"));
        using var model = Model(null, a, b);

        var (_, answer) = await CollectAsync(model);

        Assert.Equal("Hello from http://b/v1", answer);
        var status = model.Status();
        Assert.Equal(EndpointHealth.Down, status.Endpoints[0].Health);
        Assert.Contains("Connection refused", status.Endpoints[0].LastError);
        Assert.Equal(EndpointHealth.Up, status.Endpoints[1].Health);

        // The circuit is open: the next requests do not try the refusing endpoint again.
        await CollectAsync(model);
        await CollectAsync(model);
        Assert.Equal(1, a.Calls);
    }

    [Fact]
    public async Task EndpointThatHangs_IsGivenUpAfterTheFirstTokenTimeout_AndAborted_TheNextOneAnswers()
    {
        var time = new ManualTimeProvider();
        var (a, b) = (new FakeEndpoint("http://a/v1") { Does = FakeEndpoint.Behaviour.Hang }, new FakeEndpoint("http://b/v1"));
        using var model = Model(time, a, b);

        var reply = CollectAsync(model);
        await a.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        time.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal("Hello from http://b/v1", (await reply.WaitAsync(TimeSpan.FromSeconds(10))).Answer);
        await a.Aborted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("no answer within 5 s", model.Status().Endpoints[0].LastError);
    }

    [Fact]
    public async Task AllEndpointsDown_FailsWithAMessageNamingEachEndpoint()
    {
        var (a, b) = (new FakeEndpoint("http://a/v1") { Does = FakeEndpoint.Behaviour.Refuse }, new FakeEndpoint("http://b/v1") { Does = FakeEndpoint.Behaviour.Refuse });
        using var model = Model(null, a, b);

        var error = await Assert.ThrowsAsync<RemoteModelUnavailableException>(() => CollectAsync(model));
        Assert.Contains("The model 'big' cannot be reached", error.Message);
        Assert.Contains("http://a/v1: Connection refused", error.Message);
        Assert.Contains("http://b/v1: Connection refused", error.Message);

        // Both now rest: the next request fails at once, saying so, without calling them.
        var again = await Assert.ThrowsAsync<RemoteModelUnavailableException>(() => CollectAsync(model));
        Assert.Contains("resting after failures", again.Message);
        Assert.Equal(1, a.Calls);
        Assert.False(model.Status().Available);
    }

    [Fact]
    public async Task FailedEndpoint_RestsForTheBreak_ThenAProbeBringsItBack()
    {
        var time = new ManualTimeProvider();
        var (a, b) = (new FakeEndpoint("http://a/v1") { Does = FakeEndpoint.Behaviour.Refuse, ProbeFails = true }, new FakeEndpoint("http://b/v1"));
        using var model = Model(time, a, b);
        await CollectAsync(model);
        Assert.Equal(EndpointHealth.Down, model.Status().Endpoints[0].Health);

        await model.ProbeAsync(); // during the break the resting endpoint is not probed
        Assert.Equal(EndpointHealth.Down, model.Status().Endpoints[0].Health);

        time.Advance(TimeSpan.FromSeconds(30));
        await model.ProbeAsync(); // still failing: it rests another break
        Assert.Equal(EndpointHealth.Down, model.Status().Endpoints[0].Health);

        (a.Does, a.ProbeFails) = (FakeEndpoint.Behaviour.Answer, false);
        time.Advance(TimeSpan.FromSeconds(30));
        await model.ProbeAsync();
        Assert.Equal(EndpointHealth.Up, model.Status().Endpoints[0].Health);
        Assert.Equal(1, a.Calls); // probes, not requests, tested it
    }

    [Fact]
    public async Task Cancelling_AbortsTheEndpointsRequest_AndKeepsWhatArrived()
    {
        var a = new FakeEndpoint("http://a/v1") { Does = FakeEndpoint.Behaviour.AnswerThenHang };
        using var model = Model(null, a);
        using var stop = new CancellationTokenSource();

        var received = "";
        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in model.GetStreamingResponseAsync(Prompt, null, stop.Token))
            {
                received += update.Text;
                if (received.Length > 0)
                    stop.Cancel();
            }
        });

        Assert.Equal("Starting", received);
        await a.Aborted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, model.Status().Scheduler.ActiveSequences);
    }

    [Fact]
    public async Task FullQueue_IsRefusedAsBusy_AndAWaitingRequestSeesItsPlace()
    {
        var a = new FakeEndpoint("http://a/v1") { Does = FakeEndpoint.Behaviour.AnswerThenHang };
        using var model = Model(null, concurrent: 1, queue: 1, a);
        using var stop = new CancellationTokenSource();

        await using var running = model.GetStreamingResponseAsync(Prompt, new ChatOptions().WithOwner("alice"), stop.Token).GetAsyncEnumerator();
        while (await running.MoveNextAsync() && running.Current.Text.Length == 0) { }
        await using var waiting = model.GetStreamingResponseAsync(Prompt, new ChatOptions().WithOwner("bob"), stop.Token).GetAsyncEnumerator();
        Assert.True(await waiting.MoveNextAsync());
        Assert.Equal(1, waiting.Current.GetProgress()?.QueuePosition);

        var busy = await Assert.ThrowsAsync<ServerBusyException>(() => CollectAsync(model, new ChatOptions().WithOwner("carol")));
        Assert.True(busy.RetryAfterSeconds >= 1);
        Assert.True(model.IsQueueFull(out _));
        stop.Cancel();
    }
}
