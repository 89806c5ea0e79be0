using ChatWeb.Engine.Gguf;
using ChatWeb.Engine.Tokenization;

namespace ChatWeb.Tests.Engine.Tokenization;

/// <summary>Tokenizers read from llama.cpp's vocab-only GGUF files reproduce its test vectors exactly.</summary>
public sealed class GgufTokenizerTests
{
    private static readonly Dictionary<string, Tokenizer> Loaded = [];

    internal static Tokenizer Load(string vocab)
    {
        lock (Loaded)
        {
            if (Loaded.TryGetValue(vocab, out var tokenizer)) return tokenizer;
            using var file = GgufFile.Open(TestPaths.Model("llama.cpp-vocab", vocab));
            return Loaded[vocab] = GgufTokenizerLoader.Load(file);
        }
    }

    [Theory]
    [InlineData("ggml-vocab-llama-spm.gguf")]
    [InlineData("ggml-vocab-phi-3.gguf")]
    [InlineData("ggml-vocab-gpt-2.gguf")]
    [InlineData("ggml-vocab-deepseek-llm.gguf")]
    public void MatchesAll46Vectors(string vocab)
    {
        var tokenizer = Load(vocab);
        var cases = LlamaCppVocabVectors.Load(vocab);
        Assert.Equal(46, cases.Count);
        var failures = cases
            .Select(c => (c.Text, Expected: string.Join(' ', c.Ids), Actual: string.Join(' ', tokenizer.Encode(c.Text))))
            .Where(c => c.Expected != c.Actual)
            .Select(c => $"{c.Text.ReplaceLineEndings("\\n")}: expected [{c.Expected}] got [{c.Actual}]")
            .ToList();
        Assert.True(failures.Count == 0, $"{failures.Count} of 46 differ:\n" + string.Join("\n", failures));
    }

    [Theory]
    [InlineData("ggml-vocab-llama-spm.gguf")]
    [InlineData("ggml-vocab-phi-3.gguf")]
    [InlineData("ggml-vocab-gpt-2.gguf")]
    [InlineData("ggml-vocab-deepseek-llm.gguf")]
    public void DecodeOfEncode_GivesTheTextBack(string vocab)
    {
        var tokenizer = Load(vocab);
        foreach (var (text, _) in LlamaCppVocabVectors.Load(vocab))
            Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
    }

    [Fact]
    public void LlamaSpm_SpecialTokensAndBos_AsTheFileSays()
    {
        var tokenizer = Load("ggml-vocab-llama-spm.gguf");
        Assert.Equal(1, tokenizer.Specials.Bos);
        Assert.Equal(2, tokenizer.Specials.Eos);
        Assert.True(tokenizer.Specials.AddBos);
        Assert.Equal([1, 15043, 3186], tokenizer.Encode("Hello world", addBos: true));
        Assert.DoesNotContain(2, tokenizer.Encode("</s>"));
        Assert.Contains(2, tokenizer.Encode("Hi</s>", parseSpecial: true));
        Assert.Contains(2, tokenizer.EndOfGenerationIds);
    }

    [Fact]
    public void Phi3_EndTokenEndsGeneration()
    {
        var tokenizer = Load("ggml-vocab-phi-3.gguf");
        Assert.Contains(tokenizer.TokenId("<|end|>")!.Value, tokenizer.EndOfGenerationIds);
    }

    [Fact]
    public void UnknownPreTokenizer_FallsBackToGpt2_WithAWarning()
    {
        var pre = PreTokenizer.ForGgufName("no-such-model", out var warning);
        Assert.Contains("Unknown pre-tokenizer 'no-such-model'", warning);
        Assert.Equal(["Hello", " world", "!"], pre.Split("Hello world!"));
    }

    [Fact]
    public void PreTokenizer_KeepsSupplementaryLettersTogether_LikeUnicodeRegex()
    {
        // U+1D49C (mathematical script A) is a letter outside the BMP: one \p{L}+ run with its neighbours.
        var pre = PreTokenizer.ForGgufName("qwen2", out _);
        Assert.Equal(["a\U0001D49Cb", " ", "1", "2"], pre.Split("a\U0001D49Cb 12"));
    }
}
