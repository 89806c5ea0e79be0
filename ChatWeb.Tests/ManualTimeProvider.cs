namespace ChatWeb.Tests;

/// <summary>
/// A clock that moves only when the test says so; timers fire during <see cref="Advance"/> when it
/// passes their due time (periodic ones again each period). Safe to read from several threads (the
/// inference scheduler's loop reads it while a test advances it). Microsoft.Extensions.TimeProvider.Testing's
/// FakeTimeProvider is not in the package feed.
/// </summary>
internal sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private readonly Lock _gate = new();
    private readonly List<ManualTimer> _timers = [];
    private DateTimeOffset _now = start;

    public ManualTimeProvider() : this(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero)) { }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
            return _now;
    }

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    public void Advance(TimeSpan by)
    {
        DateTimeOffset now;
        List<ManualTimer> timers;
        lock (_gate)
        {
            _now += by;
            now = _now;
            timers = [.. _timers];
        }
        foreach (var timer in timers)
            timer.FireIfDue(now);
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        private DateTimeOffset? _due;
        private TimeSpan _period;

        public void FireIfDue(DateTimeOffset now)
        {
            while (true)
            {
                lock (owner._gate)
                {
                    if (_due is not { } due || due > now)
                        return;
                    _due = _period > TimeSpan.Zero && _period != Timeout.InfiniteTimeSpan ? due + _period : null;
                }
                callback(state);
            }
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._gate)
            {
                owner._timers.Remove(this);
                _period = period;
                _due = dueTime == Timeout.InfiniteTimeSpan ? null : owner._now + dueTime;
                if (_due is not null)
                    owner._timers.Add(this);
            }
            return true;
        }

        public void Dispose()
        {
            lock (owner._gate)
                owner._timers.Remove(this);
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
