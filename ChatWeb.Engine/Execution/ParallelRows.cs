namespace ChatWeb.Engine.Execution;

/// <summary>
/// Runs a per-row step (start, end, worker) over a step's rows on the pool: a prompt's rows in
/// parallel, a single decode row inline. The body is a delegate created once, so a run allocates nothing.
/// </summary>
internal sealed class ParallelRows(WorkerPool pool) : IParallelWork
{
    private Action<int, int, int>? _body;

    public void Run(int rows, Action<int, int, int> body)
    {
        _body = body;
        pool.Run(this, rows, Math.Max(1, rows / (pool.ThreadCount * 4)));
        _body = null;
    }

    public void Execute(int start, int end, int worker) => _body!(start, end, worker);
}
