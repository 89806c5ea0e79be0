using ChatWeb.Engine.Tokenization;

namespace ChatWeb.Tests.Engine.Tokenization;

public sealed class StreamingTextDecoderTests
{
    [Fact]
    public void EmojiFromByteTokens_AppearsOnlyWhenComplete()
    {
        // Llama's SentencePiece vocabulary has no token for 🦙, so it is written as four <0xNN> byte tokens.
        var tokenizer = GgufTokenizerTests.Load("ggml-vocab-llama-spm.gguf");
        var ids = tokenizer.Encode("a🦙");
        var byteTokens = ids.Count(id => tokenizer.Types[id] == TokenType.Byte);
        Assert.Equal(4, byteTokens);

        var decoder = new StreamingTextDecoder(tokenizer);
        var pieces = ids.Select(decoder.Append).ToList();
        Assert.All(pieces, p => Assert.DoesNotContain('\uFFFD', p));
        Assert.Equal(["", "", ""], pieces.Skip(ids.Count - 4).Take(3));
        Assert.Equal("🦙", pieces[^1]);
        Assert.Equal(" a🦙", string.Concat(pieces));
        Assert.Equal("", decoder.Flush());
    }

    [Fact]
    public void ByteLevelTokensSplittingACharacter_AreJoined()
    {
        // GPT-2 byte-level BPE splits 'á' (two bytes) of "Cửa Việt"-like text across tokens.
        var tokenizer = GgufTokenizerTests.Load("ggml-vocab-gpt-2.gguf");
        const string text = "Cửa Việt 😁 нещо";
        var decoder = new StreamingTextDecoder(tokenizer);
        var pieces = tokenizer.Encode(text).Select(decoder.Append).ToList();
        Assert.Contains("", pieces); // at least one token ended mid-character
        Assert.All(pieces, p => Assert.DoesNotContain('\uFFFD', p));
        Assert.Equal(text, string.Concat(pieces) + decoder.Flush());
    }

    [Fact]
    public void IncompleteCharacterAtTheEnd_FlushesAsReplacement()
    {
        var tokenizer = GgufTokenizerTests.Load("ggml-vocab-llama-spm.gguf");
        var decoder = new StreamingTextDecoder(tokenizer);
        Assert.Equal("", decoder.Append(tokenizer.TokenId("<0xF0>")!.Value));
        Assert.Equal("\uFFFD", decoder.Flush());
    }
}
