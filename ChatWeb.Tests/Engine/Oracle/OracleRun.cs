using ChatWeb.Engine.Model;

namespace ChatWeb.Tests.Engine.Oracle;

/// <summary>
/// ChatWeb's engine on one oracle file: the prompt as one batch with logits at every position, the
/// same prompt one token at a time in a second sequence, and then, after the batch, llama.cpp's greedy
/// ids fed one at a time (teacher forcing), as the references were made.
/// </summary>
internal sealed class OracleRun
{
    /// <summary>Logits at the 32 prompt positions, the prompt evaluated as one batch.</summary>
    public required float[][] PromptBatch { get; init; }

    /// <summary>Logits at the 32 prompt positions, the prompt fed one token per step.</summary>
    public required float[][] PromptSingle { get; init; }

    /// <summary>Row k: logits after feeding greedy id k at position 32 + k.</summary>
    public required float[][] TeacherForced { get; init; }

    public static OracleRun Of(OracleFile file, int threads = 2, KvCacheType kvCache = KvCacheType.F32, int maxBatch = 256)
    {
        var prompt = OracleFile.Prompt;
        var greedy = file.Greedy();
        using var model = Transformer.Load(file.GgufPath, new EngineOptions { Threads = threads, KvCacheType = kvCache, MaxBatch = maxBatch });
        Assert.Equal(OracleFile.Vocab, model.VocabSize);

        var batched = model.CreateSequence();
        var batch = prompt.Select(token => new BatchToken(batched, token, WantLogits: true)).ToArray();
        var all = new float[prompt.Length * OracleFile.Vocab];
        model.Forward(batch, all);
        var promptBatch = Split(all, prompt.Length);

        var teacherForced = new float[greedy.Length][];
        for (var k = 0; k < greedy.Length; k++)
        {
            teacherForced[k] = new float[OracleFile.Vocab];
            model.Decode(batched, greedy[k], teacherForced[k]);
        }

        var single = model.CreateSequence();
        var promptSingle = new float[prompt.Length][];
        for (var i = 0; i < prompt.Length; i++)
        {
            promptSingle[i] = new float[OracleFile.Vocab];
            model.Decode(single, prompt[i], promptSingle[i]);
        }
        return new OracleRun { PromptBatch = promptBatch, PromptSingle = promptSingle, TeacherForced = teacherForced };
    }

    private static float[][] Split(float[] all, int rows) =>
        Enumerable.Range(0, rows).Select(r => all.AsSpan(r * OracleFile.Vocab, OracleFile.Vocab).ToArray()).ToArray();
}
