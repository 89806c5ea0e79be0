using ChatWeb.Engine.Gguf;
using ChatWeb.Engine.Tensors;

namespace ChatWeb.Tests.Engine.Gguf;

/// <summary>Mutates valid files many thousand times: only <see cref="GgufFormatException"/> may escape.</summary>
public sealed class GgufFuzzTests
{
    private const int Iterations = 20_000;

    private static byte[] SmallModelFile()
    {
        var writer = new GgufWriter();
        writer.Add("general.architecture", "llama");
        writer.Add("llama.block_count", 1u);
        writer.Add("tokenizer.ggml.tokens", new[] { "<unk>", "<s>", "</s>", "a", "b" });
        writer.Add("tokenizer.ggml.scores", new[] { 0f, 0f, 0f, -1f, -2f });
        writer.Add("nested", new Array[] { new[] { 1u, 2u }, new[] { "x", "y" } });
        writer.AddTensor("token_embd.weight", GgmlType.F32, [8, 5], new byte[160]);
        writer.AddTensor("blk.0.attn_q.weight", GgmlType.Q8_0, [32, 2], new byte[68]);
        writer.AddTensor("output_norm.weight", GgmlType.F32, [8], new byte[32]);
        return writer.ToBytes();
    }

    [Fact]
    public void MutatedFiles_OnlyEverRaiseGgufFormatException()
    {
        var original = SmallModelFile();
        var random = new Random(1234);
        var parsed = 0;
        var rejected = 0;
        for (var i = 0; i < Iterations; i++)
        {
            var bytes = Mutate(original, random);
            try
            {
                using var file = GgufFile.FromBytes(bytes);
                _ = file.Tensors.Sum(t => t.ByteSize);
                parsed++;
            }
            catch (GgufFormatException)
            {
                rejected++;
            }
        }

        Assert.Equal(Iterations, parsed + rejected);
        Assert.True(rejected > Iterations / 4, $"only {rejected} of {Iterations} mutations were rejected");
    }

    private static byte[] Mutate(byte[] original, Random random)
    {
        switch (random.Next(4))
        {
            case 0: // flip a few bits
            {
                var bytes = (byte[])original.Clone();
                for (var n = random.Next(1, 4); n > 0; n--)
                    bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                return bytes;
            }
            case 1: // truncate
                return original[..random.Next(original.Length)];
            case 2: // write a huge or boundary count over an aligned 8-byte field
            {
                var bytes = (byte[])original.Clone();
                ulong[] values = [ulong.MaxValue, 1UL << 32, 1UL << 62, (ulong)int.MaxValue, (ulong)bytes.Length, 0];
                var at = random.Next(bytes.Length - 8);
                BitConverter.GetBytes(values[random.Next(values.Length)]).CopyTo(bytes, at);
                return bytes;
            }
            default: // random bytes over a short stretch
            {
                var bytes = (byte[])original.Clone();
                var at = random.Next(bytes.Length);
                random.NextBytes(bytes.AsSpan(at, Math.Min(bytes.Length - at, random.Next(1, 16))));
                return bytes;
            }
        }
    }
}
