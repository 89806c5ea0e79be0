namespace ChatWeb.Engine.Execution;

/// <summary>Work split into items [0, count) that <see cref="WorkerPool"/> hands out in ranges.</summary>
internal interface IParallelWork
{
    /// <summary>Does items [start, end); <paramref name="worker"/> (0 = the calling thread) picks per-thread scratch.</summary>
    void Execute(int start, int end, int worker);
}
