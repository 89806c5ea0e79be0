namespace ChatWeb.Tests.Api;

/// <summary>
/// Measures how much the managed heap (the in-memory server's and the test's) grows across an action, after
/// forced collections. Tests that use it run alone (<see cref="Name"/>) so other tests' garbage does not count.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ServerMemory
{
    public const string Name = "Server memory";

    /// <summary>The bytes still reachable after <paramref name="action"/> that were not before it.</summary>
    public static async Task<long> GrowthAsync(Func<Task> action)
    {
        var before = Settled();
        await action();
        return Settled() - before;
    }

    private static long Settled()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
