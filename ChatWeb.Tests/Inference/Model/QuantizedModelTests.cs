using ChatWeb.Inference.Gguf;
using ChatWeb.Inference.Tensors;

namespace ChatWeb.Tests.Inference.Model;

/// <summary>
/// A quantized file against the F32 file of its own dequantized weights. The weights are then
/// identical; what differs is that quantized kernels quantize the activations too: to 14 bits per
/// block in the int16 kernels, so the logits agree to about 0.05% of their range (3e-3 allowed;
/// F16/BF16 use float activations). On CPUs with AVX-VNNI, Q8_0/Q4_0 batches of
/// <see cref="Block32ByteBatch.MinBatch"/> or more rows (this test's 4-token prompt) round x to 8 bits
/// per block, as llama.cpp does for all its Q8_0/Q4_0 products: 64 times coarser, and on this small
/// random model the logits then differ by up to 3.5% of their range (measured 2.6e-2 Q4_0, 3.5e-2
/// Q8_0; 6e-2 allowed).
/// </summary>
public sealed class QuantizedModelTests
{
    private const double ByteActivationTolerance = 6e-2;

    // Largest logit error relative to the largest |logit|, per weight type (measured: 3e-4 to 6e-4 for the quantized types).
    public static TheoryData<GgmlType, double> Types => new()
    {
        { GgmlType.F16, 1e-5 },
        { GgmlType.BF16, 1e-5 },
        { GgmlType.Q8_0, Block32ByteBatch.Applies<Q8_0>(4, Simd.Best) ? ByteActivationTolerance : 3e-3 },
        { GgmlType.Q4_0, Block32ByteBatch.Applies<Q4_0>(4, Simd.Best) ? ByteActivationTolerance : 3e-3 },
        { GgmlType.Q4_K, 3e-3 },
        { GgmlType.Q6_K, 3e-3 },
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
