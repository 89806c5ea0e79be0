using ChatWeb.Engine.Gguf;
using ChatWeb.Engine.Tokenization;

namespace ChatWeb.Tests.Engine.Tokenization;

/// <summary>Qwen3's tokenizer.json written as GGUF metadata reads back as the same tokenizer.</summary>
public sealed class GgufTokenizerMetadataTests
{
    [Fact]
    public void Qwen3AsGguf_MatchesAll46Vectors_AndKeepsTemplateAndEos()
    {
        var metadata = GgufTokenizerMetadata.FromHuggingFace(
            TestPaths.Model("tokenizers", "qwen3", "tokenizer.json"), TestPaths.Model("tokenizers", "qwen3", "tokenizer_config.json"));
        var writer = new GgufWriter();
        foreach (var (key, value) in metadata)
            writer.Add(key, value);
        using var file = GgufFile.FromBytes(writer.ToBytes());

        Assert.Equal("qwen2", file.GetString("tokenizer.ggml.pre"));
        Assert.Contains("enable_thinking", file.GetString("tokenizer.chat_template"));
        var tokenizer = GgufTokenizerLoader.Load(file);
        Assert.Equal(tokenizer.TokenId("<|im_end|>"), tokenizer.Specials.Eos);
        Assert.Null(tokenizer.Specials.Bos);
        foreach (var (text, ids) in LlamaCppVocabVectors.Load("ggml-vocab-qwen2.gguf"))
            Assert.Equal(ids, tokenizer.Encode(text));
    }
}
