using System.Diagnostics;
using ChatWeb.Engine.Scheduling;

namespace ChatWeb.Engine.Cli;

/// <summary>
/// <c>bench-serve &lt;file&gt; --turns N [--prompt 150] [--gen 50]</c>: one conversation of N turns, each a new
/// message of --prompt tokens after the history (earlier messages and greedy answers of --gen tokens). Every
/// turn is asked twice, alternating: by the conversation's owner, whose kept KV cache holds the history, and
/// by a new owner, who reads it all; prints the tokens each read and its time to first token, and peak memory.
/// </summary>
internal static class ConversationBench
{
    /// <summary>Scheduler settings that hold the whole conversation.</summary>
    public static InferenceOptions Options(int turns, int promptTokens, int newTokens, int threads, int chunk) => new()
    {
        Threads = threads,
        MaxConcurrentSequences = 1,
        QueueSize = 4, // the warm-up's clients
        ContextLength = turns * (promptTokens + newTokens) + 1,
        MaxPromptTokens = turns * (promptTokens + newTokens),
        PromptChunkTokens = chunk,
    };

    public static async Task<int> RunAsync(IGenerationScheduler scheduler, int vocab, int turns, int promptTokens, int newTokens, long fileBytes, TextWriter output)
    {
        output.WriteLine("turn  history  reuse: read  TTFT      no reuse: read  TTFT      same answer");
        var history = new List<int>();
        var differing = 0;
        for (var turn = 1; turn <= turns; turn++)
        {
            var random = new Random(turn);
            int[] prompt = [.. history, .. Enumerable.Range(0, promptTokens).Select(_ => random.Next(vocab))];
            var kept = await TurnAsync(scheduler, "conversation", prompt, newTokens);
            var fresh = await TurnAsync(scheduler, $"fresh{turn}", prompt, newTokens);
            var same = kept.Answer.SequenceEqual(fresh.Answer);
            differing += same ? 0 : 1;
            output.WriteLine($"{turn,4}  {history.Count,7}  {kept.Read,11}  {kept.TimeToFirstToken,6:F0} ms  {fresh.Read,14}  {fresh.TimeToFirstToken,6:F0} ms  {(same ? "yes" : "NO")}");
            history = [.. prompt, .. kept.Answer];
        }
        if (differing > 0)
            output.WriteLine($"answers differ in {differing} of {turns} turns: a batch of rows and a single row round differently (Q8_0/Q4_0 weights: " +
                             "8-bit against 14-bit activations; K-quants in batches of 7 or more: x rounded per 32 values against 256; the other " +
                             "types and a prompt's attention: the same sums added in another order), so " +
                             "the answer's keys and values (cached one token at a time) differ slightly from a fresh prefill's and a near-tie greedy " +
                             "pick can flip (random-weight files have many near-ties)");
        var snapshot = scheduler.Snapshot();
        output.WriteLine($"peak RSS {Process.GetCurrentProcess().PeakWorkingSet64 >> 20} MB; file {fileBytes >> 20} MB, " +
                         $"KV caches allocated {snapshot.KvCacheAllocatedBytes >> 20} MB (budget {snapshot.KvCacheBudgetBytes >> 20} MB)");
        return 0;
    }

    private static async Task<Turn> TurnAsync(IGenerationScheduler scheduler, string owner, int[] prompt, int newTokens)
    {
        var clock = Stopwatch.StartNew();
        var generation = scheduler.Submit(new GenerationRequest { PromptTokens = prompt, Owner = owner, MaxNewTokens = newTokens });
        var answer = new List<int>();
        var firstToken = 0.0;
        var read = prompt.Length;
        await foreach (var update in generation.ReadAllAsync())
        {
            if (update.Progress.State == GenerationState.Prompt)
                read = update.Progress.PromptTokens; // the tokens it must read: its prompt less what a kept cache held
            if (update.Token < 0)
                continue;
            if (answer.Count == 0)
                firstToken = clock.Elapsed.TotalMilliseconds;
            answer.Add(update.Token);
        }
        await generation.Completion;
        return new Turn(answer, read, firstToken);
    }

    private sealed record Turn(List<int> Answer, int Read, double TimeToFirstToken);
}
