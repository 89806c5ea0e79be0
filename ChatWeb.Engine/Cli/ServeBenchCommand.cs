using System.Diagnostics;
using ChatWeb.Engine.Local;
using ChatWeb.Engine.Model;
using ChatWeb.Engine.Onnx;
using ChatWeb.Engine.Scheduling;

namespace ChatWeb.Engine.Cli;

/// <summary>
/// <c>bench-serve &lt;file.gguf&gt; [--clients 1,2,4,8,16] [--prompt 64] [--gen 128] [--threads N] [--chunk 64]</c>:
/// the real scheduler under load. For each client count, that many clients submit at once, each a
/// random prompt and a greedy answer of --gen tokens; prints total and per-client tokens/s, time to
/// first token and inter-token latency (p50/p95), peak resident memory and errors.
/// With <c>--turns N</c>, one conversation of N turns instead, with and without its kept KV cache (<see cref="ConversationBench"/>).
/// </summary>
internal static class ServeBenchCommand
{
    internal static async Task<int> RunAsync(CliArguments args, TextWriter output)
    {
        if (args.Positional.Count != 1)
            throw new CliException("bench-serve takes one model file.");
        var path = args.Positional[0];
        var clientCounts = (args.Get("clients") ?? "1,2,4,8,16").Split(',')
            .Select(c => int.TryParse(c, out var n) && n > 0 ? n : throw new CliException($"--clients takes whole numbers, not '{c}'.")).ToArray();
        var turns = args.GetInt("turns", 0);
        var promptTokens = args.GetInt("prompt", turns > 0 ? 150 : 64, min: 1);
        var newTokens = args.GetInt("gen", turns > 0 ? 50 : 128, min: 1);
        var (threads, chunk) = (args.GetInt("threads", 0), args.GetInt("chunk", new InferenceOptions().PromptChunkTokens, min: 1));
        var options = turns > 0 ? ConversationBench.Options(turns, promptTokens, newTokens, threads, chunk) : new InferenceOptions
        {
            Threads = threads,
            MaxConcurrentSequences = clientCounts.Max(),
            QueueSize = clientCounts.Max(),
            ContextLength = promptTokens + newTokens + 1,
            MaxPromptTokens = promptTokens,
            PromptChunkTokens = chunk,
        };
        args.RejectUnknown();
        if (!File.Exists(path) && !OnnxModelFolder.IsModelFolder(path))
            throw new CliException($"No such file: {path}");

        // a GGUF file on ChatWeb's engine, an ONNX Runtime GenAI folder on ONNX Runtime, behind the same front
        IDisposable model;
        IGenerationScheduler scheduler;
        int vocab;
        if (OnnxModelFolder.IsModelFolder(path))
        {
            var onnx = OnnxModel.Load(new ModelOptions { Path = path, Threads = options.Threads });
            (model, scheduler, vocab) = (onnx, new OnnxScheduler(onnx, options), onnx.Folder.VocabSize);
            output.WriteLine($"{onnx.Name}: ONNX Runtime GenAI ({OnnxRuntimeFlavour.Current}), {onnx.Folder.ModelType}, {onnx.Folder.Layers} layers, hidden {onnx.Folder.HiddenSize}; " +
                             $"{(options.Threads > 0 ? options.Threads.ToString() : "default")} threads; each client: {promptTokens}-token prompt, {newTokens} new tokens");
        }
        else
        {
            var transformer = Transformer.Load(path, InferenceScheduler.EngineOptionsFor(options));
            (model, scheduler, vocab) = (transformer, new InferenceScheduler(transformer, options), transformer.Config.VocabSize);
            output.WriteLine($"{Path.GetFileName(path)}: {transformer.Config.Architecture.Name}, {transformer.Config.LayerCount} layers, dim {transformer.Config.Dim}; " +
                             $"{transformer.ThreadCount} threads, prompt chunk {options.PromptChunkTokens}; " +
                             (turns > 0 ? $"{turns} turns of a {promptTokens}-token message and a {newTokens}-token answer" : $"each client: {promptTokens}-token prompt, {newTokens} new tokens"));
        }
        using var _ = model;
        using var __ = scheduler;

        // warm-up: touches every weight, and runs the single- and multi-row paths long enough for the JIT's optimised tiers
        for (var round = 0; round < 2; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, Math.Min(4, clientCounts.Max()))
                .Select(c => ClientAsync(scheduler, $"warm-up{c}", RandomPrompt(c, 8, vocab), 48)));
            await ClientAsync(scheduler, "warm-up", RandomPrompt(9, 8, vocab), 48);
        }
        if (turns > 0)
            return await ConversationBench.RunAsync(scheduler, vocab, turns, promptTokens, newTokens,
                File.Exists(path) ? new FileInfo(path).Length : 0, output);
        output.WriteLine("clients  total tok/s  per-client tok/s  TTFT p50  TTFT p95  inter-token p50  p95     peak RSS  errors");
        foreach (var clients in clientCounts)
        {
            var clock = Stopwatch.StartNew();
            var runs = await Task.WhenAll(Enumerable.Range(0, clients).Select(c =>
                Task.Run(() => ClientAsync(scheduler, $"client{c}", RandomPrompt(clients * 100 + c, promptTokens, vocab), newTokens))));
            var seconds = clock.Elapsed.TotalSeconds;
            var ok = runs.Where(r => r.Error is null).ToList();
            var ttft = ok.Select(r => r.TimeToFirstToken).ToList();
            var gaps = ok.SelectMany(r => r.Gaps).ToList();
            var perClient = ok.Where(r => r.Tokens > 1).Select(r => (r.Tokens - 1) / r.DecodeSeconds).DefaultIfEmpty(0).Average();
            var peak = Process.GetCurrentProcess().PeakWorkingSet64;
            output.WriteLine($"{clients,7}  {ok.Sum(r => r.Tokens) / seconds,11:F1}  {perClient,16:F1}  {Ms(ttft, 0.50),8}  {Ms(ttft, 0.95),8}  {Ms(gaps, 0.50),15}  {Ms(gaps, 0.95),6}  {peak >> 20,7} MB  {runs.Length - ok.Count,6}");
            foreach (var failed in runs.Where(r => r.Error is not null).Take(3))
                output.WriteLine($"         error: {failed.Error}");
        }
        return 0;
    }

    private static int[] RandomPrompt(int seed, int length, int vocab)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => random.Next(vocab)).ToArray();
    }

    private static async Task<ClientRun> ClientAsync(IGenerationScheduler scheduler, string session, int[] prompt, int newTokens)
    {
        var clock = Stopwatch.StartNew();
        var arrivals = new List<double>(newTokens);
        try
        {
            var generation = scheduler.Submit(new GenerationRequest { PromptTokens = prompt, Owner = session, MaxNewTokens = newTokens });
            await foreach (var update in generation.ReadAllAsync())
            {
                if (update.Token >= 0)
                    arrivals.Add(clock.Elapsed.TotalSeconds);
            }
            if (arrivals.Count != newTokens)
                return new ClientRun(arrivals, $"{arrivals.Count} of {newTokens} tokens ({await generation.Completion})");
            return new ClientRun(arrivals, null);
        }
        catch (Exception e)
        {
            return new ClientRun(arrivals, e.Message);
        }
    }

    private static string Ms(List<double> seconds, double p)
    {
        if (seconds.Count == 0)
            return "-";
        var sorted = seconds.Order().ToList();
        return $"{sorted[(int)Math.Min(sorted.Count - 1, Math.Ceiling(p * sorted.Count) - 1)] * 1000:F0} ms";
    }

    private sealed record ClientRun(List<double> Arrivals, string? Error)
    {
        public int Tokens => Arrivals.Count;
        public double TimeToFirstToken => Arrivals.Count > 0 ? Arrivals[0] : double.NaN;
        public double DecodeSeconds => Arrivals[^1] - Arrivals[0];
        public IEnumerable<double> Gaps => Arrivals.Zip(Arrivals.Skip(1), (a, b) => b - a);
    }
}
