using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace ChatWeb.Engine.Execution;

/// <summary>
/// A small fixed set of threads that run one <see cref="IParallelWork"/> at a time, together with the
/// calling thread. Items are claimed in chunks from a shared counter, so a thread the OS delays
/// simply takes fewer chunks. Nothing is allocated per run.
/// </summary>
/// <remarks>
/// Between runs the workers spin briefly (a forward pass starts a new run every few microseconds),
/// then sleep on a monitor so an idle engine costs no CPU. A worker joins a run only while it is
/// open; the caller closes it once every chunk is claimed and no joined worker is still busy, so a
/// worker the OS has not scheduled never holds the caller up (the machine may have fewer free cores
/// than threads). <see cref="Run"/> is for one caller at a time.
/// </remarks>
internal sealed class WorkerPool : IDisposable
{
    private static readonly long PureSpinTicks = Stopwatch.Frequency / 20_000; // 50 µs
    private static readonly long SpinTicks = Stopwatch.Frequency / 500;        // 2 ms

    private readonly Thread[] _threads;
    private readonly object _gate = new();
    private IParallelWork? _work;
    private int _count;
    private int _grain;
    private int _next;          // first item not yet claimed (Interlocked)
    private int _active = -1;   // workers inside the current run, or -1 when no run is open to join
    private int _generation;    // bumped once per run; workers wait for it to change
    private int _sleepers;      // workers blocked on _gate
    private volatile bool _stopping;
    private ExceptionDispatchInfo? _failure; // the first exception a worker hit in this run

    /// <param name="threadCount">threads that work, the caller included; 0 or less means one per core.</param>
    public WorkerPool(int threadCount)
    {
        ThreadCount = threadCount > 0 ? threadCount : Environment.ProcessorCount;
        _threads = new Thread[ThreadCount - 1];
        for (var i = 0; i < _threads.Length; i++)
        {
            _threads[i] = new Thread(WorkerLoop) { IsBackground = true, Name = $"ChatWeb inference {i + 1}" };
            _threads[i].Start(i + 1);
        }
    }

    public int ThreadCount { get; }

    /// <summary>Runs items [0, count) in chunks of <paramref name="grain"/> on every thread; returns when all are done.</summary>
    public void Run(IParallelWork work, int count, int grain)
    {
        if (count <= 0)
            return;
        grain = Math.Max(1, grain);
        if (_threads.Length == 0 || count <= grain)
        {
            work.Execute(0, count, 0);
            return;
        }

        _work = work;
        _count = count;
        _grain = grain;
        _next = 0;
        Volatile.Write(ref _active, 0);          // open the run; the fields above are visible to whoever joins it
        Interlocked.Increment(ref _generation); // wake the workers
        if (Volatile.Read(ref _sleepers) > 0)
        {
            lock (_gate)
                Monitor.PulseAll(_gate);
        }

        try
        {
            Drain(0);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(e), null);
            Volatile.Write(ref _next, int.MaxValue / 2); // stop handing out chunks
        }
        // every chunk is claimed: close the run as soon as no joined worker is still working
        var spin = new SpinWait();
        while (Interlocked.CompareExchange(ref _active, -1, 0) != 0)
            spin.SpinOnce(sleep1Threshold: -1);
        _work = null;
        if (Interlocked.Exchange(ref _failure, null) is { } failure)
            failure.Throw(); // a worker's exception surfaces on the caller, never kills the process

    }

    private void Drain(int worker)
    {
        var work = _work!;
        while (true)
        {
            var start = Interlocked.Add(ref _next, _grain) - _grain;
            if (start >= _count)
                return;
            work.Execute(start, Math.Min(start + _grain, _count), worker);
        }
    }

    private void WorkerLoop(object? index)
    {
        var worker = (int)index!;
        var seen = 0;
        while (true)
        {
            seen = WaitForNextRun(seen);
            if (_stopping)
                return;
            if (!TryJoin())
                continue; // that run already finished without us
            seen = Volatile.Read(ref _generation); // the run we joined (it cannot end while we are in it)
            try
            {
                Drain(worker);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _failure, ExceptionDispatchInfo.Capture(e), null);
                Volatile.Write(ref _next, int.MaxValue / 2); // stop handing out chunks
            }
            Interlocked.Decrement(ref _active);
        }
    }

    private bool TryJoin()
    {
        while (true)
        {
            var active = Volatile.Read(ref _active);
            if (active < 0)
                return false;
            if (Interlocked.CompareExchange(ref _active, active + 1, active) == active)
                return true;
        }
    }

    private int WaitForNextRun(int seen)
    {
        // Spin for a few microseconds (the next run of a forward pass usually starts that soon), then
        // keep checking while yielding the core to anyone else who wants it, then sleep.
        var now = Stopwatch.GetTimestamp();
        var spinUntil = now + PureSpinTicks;
        var yieldUntil = now + SpinTicks;
        while (Volatile.Read(ref _generation) == seen && (now = Stopwatch.GetTimestamp()) < yieldUntil)
        {
            if (now < spinUntil)
                Thread.SpinWait(20);
            else
                Thread.Yield();
        }
        if (Volatile.Read(ref _generation) == seen)
        {
            lock (_gate)
            {
                Interlocked.Increment(ref _sleepers); // full fence before re-reading _generation (pairs with Run)
                while (Volatile.Read(ref _generation) == seen && !_stopping)
                    Monitor.Wait(_gate);
                Interlocked.Decrement(ref _sleepers);
            }
        }
        return Volatile.Read(ref _generation);
    }

    public void Dispose()
    {
        if (_stopping)
            return;
        _stopping = true;
        Interlocked.Increment(ref _generation);
        lock (_gate)
            Monitor.PulseAll(_gate);
        foreach (var thread in _threads)
            thread.Join();
    }
}
