using ChatWeb.Engine.Remote;
using Microsoft.Extensions.AI;

namespace ChatWeb.Tests.Engine.Remote;

public sealed class EndpointCircuitTests
{
    private static EndpointCircuit Circuit(ManualTimeProvider time) =>
        new(new RemoteEndpoint("http://a/v1", new FakeEndpoint("http://a/v1"), _ => Task.CompletedTask),
            new RemoteModelSettings { Name = "m", FailuresToOpen = 2, BreakDuration = TimeSpan.FromSeconds(30) }, time);

    [Fact]
    public void Opens_AfterFailuresInARow_RestsForTheBreak_ThenLetsOneTrialThrough()
    {
        var time = new ManualTimeProvider();
        var circuit = Circuit(time);
        Assert.Equal(EndpointHealth.Unknown, circuit.Status().Health);

        circuit.Failed("refused");
        Assert.Equal(EndpointHealth.Failing, circuit.Status().Health);
        Assert.True(circuit.TryAcquire());

        circuit.Failed("refused");
        Assert.Equal(EndpointHealth.Down, circuit.Status().Health);
        Assert.False(circuit.TryAcquire());

        time.Advance(TimeSpan.FromSeconds(30));
        Assert.True(circuit.TryAcquire());  // the trial
        Assert.False(circuit.TryAcquire()); // nobody else while it runs

        circuit.Failed("refused again");    // a failed trial opens it again at once
        Assert.False(circuit.TryAcquire());
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.True(circuit.TryAcquire());
        circuit.Succeeded();
        Assert.Equal(EndpointHealth.Up, circuit.Status().Health);
        Assert.True(circuit.TryAcquire());
        Assert.True(circuit.TryAcquire());
    }

    [Fact]
    public void ASuccess_ResetsTheFailuresInARow()
    {
        var circuit = Circuit(new ManualTimeProvider());
        circuit.Failed("refused");
        circuit.Succeeded();
        circuit.Failed("refused");
        Assert.Equal(EndpointHealth.Failing, circuit.Status().Health);
        Assert.True(circuit.TryAcquire());
    }
}
