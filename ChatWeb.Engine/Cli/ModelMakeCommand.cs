using ChatWeb.Engine.Gguf;
using ChatWeb.Engine.Tensors;

namespace ChatWeb.Engine.Cli;

/// <summary>
/// <c>model make</c>: writes a random-weight GGUF of a real model's shape, with a tokenizer section,
/// for benchmarks and tests (throughput does not depend on the weights' values).
/// </summary>
internal static class ModelMakeCommand
{
    public static int Run(CliArguments args, TextWriter output, TextWriter progress)
    {
        var shape = ModelShape.Find(args.Require("shape"));
        var type = QuantizationMix.Parse(args.Require("type"));
        var path = args.Require("out");
        var tokenizerPath = args.Get("tokenizer");
        var seed = args.GetInt("seed", 1);
        args.RejectUnknown();
        if (args.Positional.Count > 0)
            throw new CliException($"Unexpected argument '{args.Positional[0]}'.");
        if (tokenizerPath is not null && !File.Exists(tokenizerPath))
            throw new CliException($"No such file: {Path.GetFullPath(tokenizerPath)}");

        var tokenizer = tokenizerPath is null ? TokenizerSection.Generate(shape.Vocab, shape.PreTokenizer) : TokenizerSection.FromHuggingFace(tokenizerPath, shape.Vocab);
        var writer = Describe(shape, type, tokenizer, seed);
        var temporary = path + ".partial";
        try
        {
            writer.WriteTo(temporary, (done, total, name) => progress.Write($"\rwriting tensor {done}/{total} {name,-40}"));
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary); // gone after the move; a failed write leaves nothing half-written
        }
        progress.WriteLine();

        output.WriteLine($"wrote {path}: {shape.Name} ({shape.Architecture}) {type.Name}, {ModelInfoCommand.Megabytes(new FileInfo(path).Length)}, " +
            $"tokenizer {(tokenizerPath is null ? "generated" : Path.GetFileName(tokenizerPath))} ({tokenizer.Tokens.Length} tokens)");
        return 0;
    }

    /// <summary>The whole file, with tensor data produced lazily from seeded random numbers.</summary>
    internal static GgufWriter Describe(ModelShape s, QuantizationMix type, TokenizerSection tokenizer, int seed)
    {
        var writer = new GgufWriter();
        var a = s.Architecture;
        writer.Add("general.architecture", a);
        writer.Add("general.name", $"random {s.Name}");
        writer.Add("general.file_type", type.FileType);
        if (type.Base is not (GgmlType.F32 or GgmlType.F16 or GgmlType.BF16))
            writer.Add("general.quantization_version", 2u);
        writer.Add($"{a}.context_length", (uint)s.Context);
        writer.Add($"{a}.embedding_length", (uint)s.Dim);
        writer.Add($"{a}.block_count", (uint)s.Layers);
        writer.Add($"{a}.feed_forward_length", (uint)s.Ffn);
        writer.Add($"{a}.attention.head_count", (uint)s.Heads);
        writer.Add($"{a}.attention.head_count_kv", (uint)s.KvHeads);
        writer.Add($"{a}.rope.freq_base", s.RopeBase);
        writer.Add($"{a}.attention.layer_norm_rms_epsilon", s.Epsilon);
        writer.Add($"{a}.rope.dimension_count", (uint)s.HeadDim);
        tokenizer.AddTo(writer);

        var index = 0;
        void Matrix(string name, int rows, int cols)
        {
            var tensorSeed = seed * 1000 + index++;
            var tensorType = type.TypeFor(name, cols, s.Layers, s.TiedOutput);
            writer.AddTensor(name, tensorType, [cols, rows], () => Quantizer.Quantize(tensorType, Random(rows * cols, tensorSeed, 0.035f)));
        }
        void Vector(string name, float[] values) => writer.AddTensor(name, GgmlType.F32, [values.Length], Quantizer.Quantize(GgmlType.F32, values));
        float[] Ones(int n) => Enumerable.Repeat(1f, n).ToArray();

        var qDim = s.Heads * s.HeadDim;
        var kvDim = s.KvHeads * s.HeadDim;
        // Which matrix gets which type (the output projection keeps more bits, as llama-quantize does): QuantizationMix.
        Matrix("token_embd.weight", s.Vocab, s.Dim);
        if (s.Llama3RopeScaling)
            Vector("rope_freqs.weight", s.RopeFrequencyFactors());
        for (var l = 0; l < s.Layers; l++)
        {
            var p = $"blk.{l}.";
            Vector(p + "attn_norm.weight", Ones(s.Dim));
            Matrix(p + "attn_q.weight", qDim, s.Dim);
            Matrix(p + "attn_k.weight", kvDim, s.Dim);
            Matrix(p + "attn_v.weight", kvDim, s.Dim);
            if (a == "qwen2")
            {
                Vector(p + "attn_q.bias", Random(qDim, seed * 1000 + index++, 0.1f));
                Vector(p + "attn_k.bias", Random(kvDim, seed * 1000 + index++, 0.1f));
                Vector(p + "attn_v.bias", Random(kvDim, seed * 1000 + index++, 0.1f));
            }
            Matrix(p + "attn_output.weight", s.Dim, qDim);
            Vector(p + "ffn_norm.weight", Ones(s.Dim));
            Matrix(p + "ffn_gate.weight", s.Ffn, s.Dim);
            Matrix(p + "ffn_up.weight", s.Ffn, s.Dim);
            Matrix(p + "ffn_down.weight", s.Dim, s.Ffn);
        }
        Vector("output_norm.weight", Ones(s.Dim));
        if (!s.TiedOutput)
            Matrix("output.weight", s.Vocab, s.Dim);
        return writer;
    }

    /// <summary>Uniform values in [-scale, scale] from a seeded generator.</summary>
    private static float[] Random(int count, int seed, float scale)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (var i = 0; i < values.Length; i++)
            values[i] = (random.NextSingle() * 2 - 1) * scale;
        return values;
    }
}
