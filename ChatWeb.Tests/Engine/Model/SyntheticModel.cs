using ChatWeb.Engine.Gguf;
using ChatWeb.Engine.Tensors;

namespace ChatWeb.Tests.Engine.Model;

/// <summary>
/// A small random-weight model of one architecture, kept both as double arrays (for
/// <see cref="ReferenceForward"/>) and as GGUF bytes (for the engine).
/// </summary>
internal sealed class SyntheticModel
{
    public required string Architecture { get; init; }
    public int Dim { get; init; } = 32;
    public int Layers { get; init; } = 2;
    public int Heads { get; init; } = 4;
    public int KvHeads { get; init; } = 2;
    public int HeadDim { get; init; } = 8;
    public int Ffn { get; init; } = 48;
    public int Vocab { get; init; } = 40;
    public float RopeBase { get; init; } = 10000f;
    public float Epsilon { get; init; } = 1e-5f;
    public bool TiedOutput { get; init; }
    public bool RopeFrequencyFactors { get; init; }

    /// <summary>Llama 3.1's "llama3" rope scaling (factor 8, low/high frequency factors 1 and 4) with this
    /// original context; the file carries it as <c>rope_freqs.weight</c>, as llama.cpp's converter writes it.</summary>
    public int Llama3RopeOriginalContext { get; init; }

    /// <summary>gemma3: the sliding window of its local layers (five of every six).</summary>
    public int SlidingWindow { get; init; }

    /// <summary>gemma3: linear rope scaling factor of its global layers.</summary>
    public double RopeScalingFactor { get; init; } = 1;
    public int Seed { get; init; } = 1;

    /// <summary>Weights by GGUF tensor name; matrices as [rows = outputs][cols = inputs] flattened row-major.</summary>
    public Dictionary<string, double[]> Weights { get; private set; } = [];

    /// <summary>The same model with every weight passed through <paramref name="map"/> (name, values) → values.</summary>
    public SyntheticModel WithWeights(Func<string, double[], double[]> map)
    {
        var copy = (SyntheticModel)MemberwiseClone();
        copy.Weights = Weights.ToDictionary(kv => kv.Key, kv => map(kv.Key, kv.Value));
        return copy;
    }

    public bool QkvBias => Architecture == "qwen2";
    public bool QkNorm => Architecture is "qwen3" or "gemma3";
    public bool Gemma3 => Architecture == "gemma3";
    public bool NeoXRope => Architecture != "llama";

    public SyntheticModel Build()
    {
        var random = new Random(Seed);
        var qDim = Heads * HeadDim;
        var kvDim = KvHeads * HeadDim;
        void Matrix(string name, int rows, int cols, double scale = 0.3) =>
            Weights[name] = Enumerable.Range(0, rows * cols).Select(_ => (random.NextDouble() * 2 - 1) * scale).ToArray();
        void Norm(string name, int length) =>
            Weights[name] = Enumerable.Range(0, length).Select(_ => 0.8 + random.NextDouble() * 0.4).ToArray();

        Matrix("token_embd.weight", Vocab, Dim, 1.0);
        for (var l = 0; l < Layers; l++)
        {
            var p = $"blk.{l}.";
            Norm(p + "attn_norm.weight", Dim);
            Matrix(p + "attn_q.weight", qDim, Dim);
            Matrix(p + "attn_k.weight", kvDim, Dim);
            Matrix(p + "attn_v.weight", kvDim, Dim);
            if (QkvBias)
            {
                Matrix(p + "attn_q.bias", 1, qDim);
                Matrix(p + "attn_k.bias", 1, kvDim);
                Matrix(p + "attn_v.bias", 1, kvDim);
            }
            if (QkNorm)
            {
                Norm(p + "attn_q_norm.weight", HeadDim);
                Norm(p + "attn_k_norm.weight", HeadDim);
            }
            Matrix(p + "attn_output.weight", Dim, qDim);
            if (Gemma3)
                Norm(p + "post_attention_norm.weight", Dim);
            Norm(p + "ffn_norm.weight", Dim);
            Matrix(p + "ffn_gate.weight", Ffn, Dim);
            Matrix(p + "ffn_up.weight", Ffn, Dim);
            Matrix(p + "ffn_down.weight", Dim, Ffn);
            if (Gemma3)
                Norm(p + "post_ffw_norm.weight", Dim);
        }
        Norm("output_norm.weight", Dim);
        if (!TiedOutput)
            Matrix("output.weight", Vocab, Dim);
        if (RopeFrequencyFactors)
            Weights["rope_freqs.weight"] = Enumerable.Range(0, HeadDim / 2).Select(i => 1.0 + i * 0.5).ToArray();
        if (Llama3RopeOriginalContext > 0)
            Weights["rope_freqs.weight"] = Llama3RopeFactors();
        return this;
    }

    /// <summary>What llama.cpp's converter writes as rope_freqs.weight for Llama 3.1's rope scaling: per
    /// pair, the divisor of its frequency (1 for short wavelengths, 8 for long ones, smoothed between).</summary>
    private double[] Llama3RopeFactors()
    {
        const double factor = 8, lowFrequencyFactor = 1, highFrequencyFactor = 4;
        var lowFrequencyWavelength = Llama3RopeOriginalContext / lowFrequencyFactor;
        var highFrequencyWavelength = Llama3RopeOriginalContext / highFrequencyFactor;
        var factors = new double[HeadDim / 2];
        for (var i = 0; i < factors.Length; i++)
        {
            var wavelength = 2 * Math.PI * Math.Pow(RopeBase, 2.0 * i / HeadDim); // 2π / frequency
            if (wavelength < highFrequencyWavelength)
                factors[i] = 1;
            else if (wavelength > lowFrequencyWavelength)
                factors[i] = factor;
            else
            {
                var smooth = (Llama3RopeOriginalContext / wavelength - lowFrequencyFactor) / (highFrequencyFactor - lowFrequencyFactor);
                factors[i] = 1 / ((1 - smooth) / factor + smooth);
            }
        }
        return factors;
    }

    /// <summary>The model as a GGUF file with every weight in <paramref name="type"/> (vectors stay F32).</summary>
    public byte[] ToGguf(GgmlType type = GgmlType.F32, Func<GgmlType, float[], byte[]>? encode = null)
    {
        var writer = new GgufWriter();
        var a = Architecture;
        writer.Add("general.architecture", a);
        writer.Add($"{a}.embedding_length", (uint)Dim);
        writer.Add($"{a}.block_count", (uint)Layers);
        writer.Add($"{a}.attention.head_count", (uint)Heads);
        writer.Add($"{a}.attention.head_count_kv", (uint)KvHeads);
        writer.Add($"{a}.attention.key_length", (uint)HeadDim);
        writer.Add($"{a}.attention.value_length", (uint)HeadDim);
        writer.Add($"{a}.feed_forward_length", (uint)Ffn);
        writer.Add($"{a}.context_length", 256u);
        writer.Add($"{a}.attention.layer_norm_rms_epsilon", Epsilon);
        writer.Add($"{a}.rope.freq_base", RopeBase);
        if (SlidingWindow > 0)
            writer.Add($"{a}.attention.sliding_window", (uint)SlidingWindow);
        if (RopeScalingFactor != 1)
        {
            writer.Add($"{a}.rope.scaling.type", "linear");
            writer.Add($"{a}.rope.scaling.factor", (float)RopeScalingFactor);
        }
        foreach (var (name, values) in Weights)
        {
            var floats = values.Select(v => (float)v).ToArray();
            var isMatrix = name.EndsWith(".weight") && Shape(name).Length == 2;
            var tensorType = isMatrix ? type : GgmlType.F32;
            var bytes = tensorType == GgmlType.F32 ? F32Bytes(floats) : encode!(tensorType, floats);
            writer.AddTensor(name, tensorType, Shape(name), bytes);
        }
        return writer.ToBytes();
    }

    private long[] Shape(string name)
    {
        var qDim = Heads * HeadDim;
        var kvDim = KvHeads * HeadDim;
        var kind = name.StartsWith("blk.") ? name[(name.IndexOf('.', 4) + 1)..] : name;
        return kind switch
        {
            "token_embd.weight" or "output.weight" => [Dim, Vocab],
            "attn_q.weight" => [Dim, qDim],
            "attn_k.weight" or "attn_v.weight" => [Dim, kvDim],
            "attn_output.weight" => [qDim, Dim],
            "ffn_gate.weight" or "ffn_up.weight" => [Dim, Ffn],
            "ffn_down.weight" => [Ffn, Dim],
            _ => [Weights[name].Length],
        };
    }

    private static byte[] F32Bytes(float[] values)
    {
        var bytes = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return bytes;
    }
}
