using ChatWeb.Engine.Execution;

namespace ChatWeb.Tests.Engine.Execution;

public sealed class WorkerPoolTests
{
    private sealed class CountingWork(int count) : IParallelWork
    {
        public int[] Hits { get; } = new int[count];
        public HashSet<int> Workers { get; } = [];
        public int FailAt { get; set; } = -1;

        public void Execute(int start, int end, int worker)
        {
            lock (Workers)
                Workers.Add(worker);
            for (var i = start; i < end; i++)
            {
                if (i == FailAt)
                    throw new InvalidOperationException($"item {i} failed");
                Interlocked.Increment(ref Hits[i]);
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void EveryItem_RunsExactlyOnce_RunAfterRun(int threads)
    {
        using var pool = new WorkerPool(threads);
        for (var run = 0; run < 2000; run++)
        {
            var count = 1 + run % 97;
            var work = new CountingWork(count);

            pool.Run(work, count, grain: 1 + run % 5);

            Assert.All(work.Hits, h => Assert.Equal(1, h));
            Assert.All(work.Workers, w => Assert.InRange(w, 0, threads - 1));
        }
    }

    [Fact]
    public void AnExceptionInAnyThread_SurfacesOnTheCaller_AndThePoolKeepsWorking()
    {
        using var pool = new WorkerPool(2);
        for (var run = 0; run < 200; run++)
        {
            var failing = new CountingWork(100) { FailAt = run % 100 };
            var error = Assert.Throws<InvalidOperationException>(() => pool.Run(failing, 100, grain: 1));
            Assert.Equal($"item {run % 100} failed", error.Message);

            var work = new CountingWork(100);
            pool.Run(work, 100, grain: 1);
            Assert.All(work.Hits, h => Assert.Equal(1, h));
        }
    }

    [Fact]
    public void ThreadCountZero_MeansOnePerCore()
    {
        using var pool = new WorkerPool(0);

        Assert.Equal(Environment.ProcessorCount, pool.ThreadCount);
    }
}
