using ChatWeb.Engine.Model;

namespace ChatWeb.Tests.Engine.Model;

/// <summary>Several sequences decoded in one step give the logits each gives when decoded alone.</summary>
public sealed class BatchedDecodingTests
{
    private static readonly int[][] Prompts = [[1, 2, 3], [7], [30, 31, 32, 33, 34, 35], [9, 9]];
    private static readonly int[][] Continuations = [[4, 5, 6, 7, 8], [10, 11, 12, 13, 14], [36, 37, 38, 39, 0], [9, 9, 9, 9, 9]];

    [Theory]
    [InlineData("llama")]
    [InlineData("qwen2")]
    [InlineData("qwen3")]
    public void SequencesDecodedTogether_EqualEachDecodedAlone(string name)
    {
        var synthetic = ArchitectureTests.Make(name).Build();
        var gguf = synthetic.ToGguf();
        var vocab = synthetic.Vocab;

        // alone: one model per run, one sequence at a time
        var alone = new float[Prompts.Length][][];
        using (var model = ArchitectureTests.Load(gguf))
        {
            for (var s = 0; s < Prompts.Length; s++)
            {
                var sequence = model.CreateSequence();
                var logits = new float[vocab];
                model.Prefill(sequence, Prompts[s], logits);
                alone[s] = Continuations[s].Select(token =>
                {
                    model.Decode(sequence, token, logits);
                    return logits.ToArray();
                }).ToArray();
            }
        }

        // together: the same sequences, each step one token for every sequence in one Decode call
        // (MaxBatch 4 with 4 sequences: one pass over the weights per step)
        using var batchModel = ArchitectureTests.Load(gguf);
        var sequences = Prompts.Select(_ => batchModel.CreateSequence()).ToArray();
        var prefillLogits = new float[vocab];
        for (var s = 0; s < Prompts.Length; s++)
            batchModel.Prefill(sequences[s], Prompts[s], prefillLogits);
        var together = new float[Prompts.Length * vocab];
        var tokens = new int[Prompts.Length];
        for (var step = 0; step < Continuations[0].Length; step++)
        {
            for (var s = 0; s < Prompts.Length; s++)
                tokens[s] = Continuations[s][step];
            batchModel.Decode(sequences, tokens, together);

            for (var s = 0; s < Prompts.Length; s++)
            {
                var expected = alone[s][step];
                var actual = together.AsSpan(s * vocab, vocab);
                for (var i = 0; i < vocab; i++)
                    Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f * Math.Max(1f, Math.Abs(expected[i])),
                        $"{name} sequence {s} step {step} logit {i}: alone {expected[i]}, together {actual[i]}");
            }
        }
        Assert.All(sequences, (s, i) => Assert.Equal(Prompts[i].Length + Continuations[i].Length, s.Length));
    }

    [Theory]
    [InlineData("qwen3", KvCacheType.F32)]
    [InlineData("qwen3", KvCacheType.F16)] // converted once per key/value head for the rows of one sequence
    [InlineData("gemma3", KvCacheType.F16)] // sliding window 3: each row takes its own part of the converted positions
    public void MixedStep_PromptOfOneAndTokensOfOthers_EqualsSeparateCalls(string name, KvCacheType kvCacheType)
    {
        var synthetic = ArchitectureTests.Make(name).Build();
        var gguf = synthetic.ToGguf();
        var vocab = synthetic.Vocab;

        float[] Separate(out float[] promptLogits)
        {
            using var model = ArchitectureTests.Load(gguf, kvCacheType: kvCacheType);
            var (a, b) = (model.CreateSequence(), model.CreateSequence());
            var scratch = new float[vocab];
            model.Prefill(a, [1, 2, 3], scratch);
            var decoded = new float[vocab];
            model.Decode(a, 4, decoded);
            promptLogits = new float[vocab];
            model.Prefill(b, [9, 8, 7, 6, 5], promptLogits);
            return decoded;
        }
        var expectedDecode = Separate(out var expectedPrompt);

        using var model = ArchitectureTests.Load(gguf, kvCacheType: kvCacheType); // MaxBatch 4: the six tokens take two chunks
        var (a, b) = (model.CreateSequence(), model.CreateSequence());
        model.Prefill(a, [1, 2, 3], new float[vocab]);
        var logits = new float[2 * vocab];
        model.Forward(
        [
            new(b, 9, false), new(a, 4, true), new(b, 8, false), new(b, 7, false), new(b, 6, false), new(b, 5, true),
        ], logits);

        for (var i = 0; i < vocab; i++)
        {
            Assert.Equal(expectedDecode[i], logits[i], 1e-5f);
            // the chunks split b's rows differently (9 | 8 7 | 6 5 against 9 8 7 6 | 5): a row alone and rows
            // in a tile (fused multiply-adds, another order of additions) round differently
            Assert.Equal(expectedPrompt[i], logits[vocab + i], 1e-4f);
        }
        Assert.Equal((4, 5), (a.Length, b.Length));
    }

    [Fact]
    public void SequenceBeyondItsCapacity_IsRefused()
    {
        using var model = ArchitectureTests.Load(ArchitectureTests.Make("llama").Build().ToGguf());
        var sequence = model.CreateSequence(capacity: 4);
        var logits = new float[40];
        model.Prefill(sequence, [1, 2, 3], logits);
        model.Decode(sequence, 4, logits);

        var error = Assert.Throws<InvalidOperationException>(() => model.Decode(sequence, 5, logits));

        Assert.Contains("4 of 4 tokens", error.Message);
        Assert.Equal(4, sequence.Length);
    }

    [Fact]
    public void DisposedModel_RefusesToRun()
    {
        var model = ArchitectureTests.Load(ArchitectureTests.Make("llama").Build().ToGguf());
        var sequence = model.CreateSequence();
        model.Dispose();

        Assert.Throws<ObjectDisposedException>(() => model.Decode(sequence, 1, new float[40]));
        Assert.Equal(0, sequence.Length);
    }

    [Fact]
    public void TokenOutsideTheVocabulary_IsRefused()
    {
        using var model = ArchitectureTests.Load(ArchitectureTests.Make("llama").Build().ToGguf());
        var sequence = model.CreateSequence();

        Assert.Throws<ArgumentOutOfRangeException>(() => model.Decode(sequence, 40, new float[40]));
    }
}
