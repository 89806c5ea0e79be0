using ChatWeb.Engine.Gguf;

namespace ChatWeb.Tests.Engine.Local;

/// <summary>
/// A tiny llama-architecture GGUF whose greedy output follows a fixed script: every layer's weights
/// are zero (so the residual stream is the token's embedding), the embedding is the identity, and
/// the output matrix maps each token to the one the script puts after it.
/// </summary>
internal static class ScriptedModel
{
    private const int Size = 32; // vocabulary = model width

    /// <summary>Writes the model to a temporary file; <paramref name="script"/> is the token texts in order.</summary>
    /// <param name="tokens">The vocabulary: (text, GGUF token type); at most 32 entries.</param>
    public static string Write(IReadOnlyList<(string Text, int Type)> tokens, IReadOnlyList<string> script, int eos, string template)
    {
        var texts = tokens.Select(t => t.Text).Concat(Enumerable.Range(0, Size - tokens.Count).Select(i => $"filler{i}")).ToArray();
        var types = tokens.Select(t => t.Type).Concat(Enumerable.Repeat(1, Size - tokens.Count)).ToArray();
        var writer = new GgufWriter();
        writer.Add("general.architecture", "llama");
        writer.Add("general.name", "scripted");
        writer.Add("llama.embedding_length", (uint)Size);
        writer.Add("llama.block_count", 1u);
        writer.Add("llama.attention.head_count", 4u);
        writer.Add("llama.attention.head_count_kv", 2u);
        writer.Add("llama.feed_forward_length", 16u);
        writer.Add("llama.context_length", 128u);
        writer.Add("tokenizer.ggml.model", "gpt2");
        writer.Add("tokenizer.ggml.pre", "qwen2");
        writer.Add("tokenizer.ggml.tokens", texts);
        writer.Add("tokenizer.ggml.token_type", types);
        writer.Add("tokenizer.ggml.merges", Array.Empty<string>());
        writer.Add("tokenizer.ggml.eos_token_id", (uint)eos);
        writer.Add("tokenizer.ggml.add_bos_token", false);
        writer.Add("tokenizer.chat_template", template);

        var embedding = new float[Size * Size];
        for (var t = 0; t < Size; t++) embedding[t * Size + t] = 1f;       // row t = one-hot(t)
        var output = new float[Size * Size];
        for (var i = 0; i + 1 < script.Count; i++)
        {
            var from = Array.IndexOf(texts, script[i]);
            var to = Array.IndexOf(texts, script[i + 1]);
            output[to * Size + from] = 10f;                                  // logit of 'to' reads 'from'
        }
        float[] Ones(int n) => Enumerable.Repeat(1f, n).ToArray();
        float[] Zeros(int n) => new float[n];
        void Add(string name, long[] shape, float[] values)
        {
            var bytes = new byte[values.Length * 4];
            Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
            writer.AddTensor(name, ChatWeb.Engine.Tensors.GgmlType.F32, shape, bytes);
        }
        const int headDim = Size / 4, kvDim = 2 * headDim, ffn = 16;
        Add("token_embd.weight", [Size, Size], embedding);
        Add("blk.0.attn_norm.weight", [Size], Ones(Size));
        Add("blk.0.attn_q.weight", [Size, Size], Zeros(Size * Size));
        Add("blk.0.attn_k.weight", [Size, kvDim], Zeros(Size * kvDim));
        Add("blk.0.attn_v.weight", [Size, kvDim], Zeros(Size * kvDim));
        Add("blk.0.attn_output.weight", [Size, Size], Zeros(Size * Size));
        Add("blk.0.ffn_norm.weight", [Size], Ones(Size));
        Add("blk.0.ffn_gate.weight", [Size, ffn], Zeros(Size * ffn));
        Add("blk.0.ffn_up.weight", [Size, ffn], Zeros(Size * ffn));
        Add("blk.0.ffn_down.weight", [ffn, Size], Zeros(ffn * Size));
        Add("output_norm.weight", [Size], Ones(Size));
        Add("output.weight", [Size, Size], output);

        var path = Path.Combine(Path.GetTempPath(), $"chatweb-scripted-{Guid.NewGuid():N}.gguf");
        writer.WriteTo(path);
        return path;
    }
}
