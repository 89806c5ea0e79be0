using ChatWeb.Engine.Gguf;
using ChatWeb.Engine.Tensors;

namespace ChatWeb.Tests.Engine.Model;

/// <summary>
/// A quantized file against the F32 file of its own dequantized weights. The weights are then
/// identical; what differs is that quantized kernels quantize the activations too, per block:
/// to 14 bits (<see cref="QuantizedActivations"/>), so the logits agree to about 0.05% of their
/// range (3e-3 allowed), except where they quantize them to 8 bits as llama.cpp does for every
/// quantized type: the K-quants (per 256, <see cref="ByteActivations256"/>; batches of 7 or more per 32), Q4_0 decoding (batch 1, <see cref="ByteActivations"/>) and, on CPUs with AVX-VNNI,
/// Q8_0/Q4_0 batches of <see cref="Block32ByteBatch.MinBatch"/> or more rows (this test's 4-token
/// prompt, <see cref="Block32ByteBatch"/>), and Q4_1/Q5_0/Q5_1/IQ4_NL at every batch size. F16/BF16 use float activations.
/// </summary>
public sealed class QuantizedModelTests
{
    // Largest logit error relative to the largest |logit|, per weight type (measured: 3e-4 to 8e-4
    // for the types with 14-bit activations).
    // Q4_0 5e-2: its decoding steps use 8-bit activations, whose rounding step is 64 times the
    // 14-bit one (amax/127 instead of amax/8191 per block of 32), and the error grows with it: measured
    // 4.9e-3 at step 0 (a prefill: only the output matrix at batch 1) and 2.6e-2 to 3.9e-2 at the
    // decoding steps of this small random model. llama.cpp quantizes the activations of every
    // quantized type to 8 bits per block of 32 (Q8_0 blocks with a half-precision scale, coarser
    // still), so this is the accuracy it runs Q4_0 models at.
    // With the AVX-VNNI batch path the 4-token prompt is 8-bit too: measured 2.6e-2 (Q4_0) and
    // 3.5e-2 (Q8_0) at step 0; 6e-2 allowed.
    private const double ByteBatchTolerance = 6e-2;

    // The K-quants round x to 8 bits per 256 values below a batch of 8 (ByteBlock256Kernels, as
    // llama.cpp's Q8_K; this test's 4-token prompt and its decoding steps), a coarser step than per 32
    // where a block holds an outlier: measured 3.5e-2 (Q4_K) and 7.5e-2 (Q6_K) at step 0 of this
    // model, whose rows are a single 256-weight block.
    private const double ByteBlock256Tolerance = 1e-1;

    public static TheoryData<GgmlType, double> Types => new()
    {
        { GgmlType.F16, 1e-5 },
        { GgmlType.BF16, 1e-5 },
        { GgmlType.Q8_0, Block32ByteBatch.Applies<Q8_0>(4, Simd.Best) ? ByteBatchTolerance : 3e-3 },
        { GgmlType.Q4_0, Block32ByteBatch.Applies<Q4_0>(4, Simd.Best) ? ByteBatchTolerance : 5e-2 },
        { GgmlType.Q4_K, ByteBlock256Tolerance },
        { GgmlType.Q6_K, ByteBlock256Tolerance },
        { GgmlType.Q4_1, ByteBatchTolerance },
        { GgmlType.Q5_0, ByteBatchTolerance },
        { GgmlType.Q5_1, ByteBatchTolerance },
        { GgmlType.IQ4_NL, ByteBatchTolerance },
    };

    [Theory]
    [MemberData(nameof(Types))]
    public void QuantizedFile_MatchesItsDequantizedF32Run(GgmlType type, double tolerance)
    {
        // rows of 256 weights so that every matrix fits whole K-quant blocks
        var synthetic = new SyntheticModel { Architecture = "qwen2", Dim = 256, Heads = 4, KvHeads = 2, HeadDim = 64, Ffn = 256, Seed = 11 }.Build();
        var quantized = synthetic.ToGguf(type, (t, values) => Quantizer.Quantize(t, values));
        SyntheticModel dequantized;
        using (var file = GgufFile.FromBytes(quantized))
            dequantized = synthetic.WithWeights((name, values) => Dequantize(file, name) ?? values);

        var expected = Logits(dequantized.ToGguf());
        var actual = Logits(quantized);

        for (var step = 0; step < expected.Length; step++)
        {
            var scale = expected[step].Max(Math.Abs);
            var worst = expected[step].Zip(actual[step], (e, a) => Math.Abs(e - a) / scale).Max();
            Assert.True(worst <= tolerance, $"{type} step {step}: relative error {worst:g3} > {tolerance}");
        }
    }

    private static double[]? Dequantize(GgufFile file, string name)
    {
        var tensor = file.FindTensor(name)!;
        if (tensor.Type == GgmlType.F32)
            return null;
        var matrix = file.Matrix(tensor);
        var row = new float[matrix.Cols];
        var values = new double[matrix.Rows * matrix.Cols];
        for (var r = 0; r < matrix.Rows; r++)
        {
            matrix.DequantizeRow(r, row);
            for (var c = 0; c < row.Length; c++)
                values[r * matrix.Cols + c] = row[c];
        }
        return values;
    }

    private static float[][] Logits(byte[] gguf)
    {
        using var model = ArchitectureTests.Load(gguf);
        var sequence = model.CreateSequence();
        var logits = new float[model.Config.VocabSize];
        int[] prompt = [5, 1, 30, 12];
        model.Prefill(sequence, prompt, logits);
        var steps = new List<float[]> { logits.ToArray() };
        foreach (var token in new[] { 7, 19, 2 })
        {
            model.Decode(sequence, token, logits);
            steps.Add(logits.ToArray());
        }
        return [.. steps];
    }
}
