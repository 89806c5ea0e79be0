using ChatWeb.Engine.Tokenization;

namespace ChatWeb.Tests.Engine.Tokenization;

/// <summary>Qwen3's tokenizer.json reproduces llama.cpp's qwen2 test vectors (from the original HF tokenizer).</summary>
public sealed class HuggingFaceBpeTests
{
    private static readonly Lazy<ByteLevelBpeTokenizer> Qwen = new(() => HuggingFaceTokenizerLoader.Load(
        TestPaths.Model("tokenizers", "qwen3", "tokenizer.json"), TestPaths.Model("tokenizers", "qwen3", "tokenizer_config.json")));

    [Fact]
    public void Qwen3_MatchesAll46Vectors()
    {
        var cases = LlamaCppVocabVectors.Load("ggml-vocab-qwen2.gguf");
        Assert.Equal(46, cases.Count);
        var failures = cases
            .Select(c => (c.Text, Expected: string.Join(' ', c.Ids), Actual: string.Join(' ', Qwen.Value.Encode(c.Text))))
            .Where(c => c.Expected != c.Actual)
            .Select(c => $"{c.Text.ReplaceLineEndings("\\n")}: expected [{c.Expected}] got [{c.Actual}]")
            .ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void Qwen3_DecodeOfEncode_GivesTheTextBack()
    {
        foreach (var (text, _) in LlamaCppVocabVectors.Load("ggml-vocab-qwen2.gguf"))
            Assert.Equal(text, Qwen.Value.Decode(Qwen.Value.Encode(text)));
    }

    [Fact]
    public void Qwen3_SpecialTokensInPlainText_StayText_UnlessAsked()
    {
        var tokenizer = Qwen.Value;
        var imStart = tokenizer.TokenId("<|im_start|>")!.Value;
        var plain = tokenizer.Encode("<|im_start|>user");
        Assert.DoesNotContain(imStart, plain);
        Assert.Equal("<|im_start|>user", tokenizer.Decode(plain));

        var parsed = tokenizer.Encode("<|im_start|>user\nHi<|im_end|>", parseSpecial: true);
        Assert.Equal(imStart, parsed[0]);
        Assert.Equal(tokenizer.TokenId("<|im_end|>"), parsed[^1]);
        Assert.Equal(tokenizer.Specials.Eos, parsed[^1]); // eos_token from tokenizer_config.json
    }

    [Fact]
    public void Qwen3_PlainRanges_KeepTypedSpecialTokensAsText()
    {
        var tokenizer = Qwen.Value;
        const string prompt = "<|im_start|>user\n<|im_end|> is text<|im_end|>";
        var output = new List<int>();
        tokenizer.Encode(prompt, [17..32], parseSpecial: true, output);
        Assert.Equal(2, output.Count(id => id == tokenizer.TokenId("<|im_end|>") || id == tokenizer.TokenId("<|im_start|>")));
        Assert.Equal(prompt, tokenizer.Decode(output, includeControl: true));
    }

    [Fact]
    public void Qwen3_NormalizesToNfc_LikeItsTokenizerJson()
    {
        Assert.Equal(Qwen.Value.Encode("Caf\u00e9"), Qwen.Value.Encode("Cafe\u0301"));
    }

    [Fact]
    public void Qwen3_VeryLongWord_RoundTrips()
    {
        var random = new Random(1);
        var word = string.Concat(Enumerable.Range(0, 20_000).Select(_ => (char)random.Next('a', 'z' + 1)));
        var ids = Qwen.Value.Encode(word);
        Assert.InRange(ids.Count, 2_000, 20_000);
        Assert.Equal(word, Qwen.Value.Decode(ids));
    }
}
