namespace ChatWeb.Engine.Tokenization;

/// <summary>What a vocabulary entry is, with the values GGUF's <c>tokenizer.ggml.token_type</c> uses.</summary>
public enum TokenType
{
/// <summary>Not set in the file.</summary>
    Undefined = 0,
/// <summary>An ordinary piece of text.</summary>
    Normal = 1,
/// <summary>The unknown-token marker.</summary>
    Unknown = 2,
    /// <summary>A special token (BOS, EOS, &lt;|im_start|&gt;...): never produced from plain text.</summary>
    Control = 3,
    /// <summary>An added token (e.g. Qwen's &lt;think&gt;): decoded as its text.</summary>
    UserDefined = 4,
/// <summary>A reserved slot no text maps to.</summary>
    Unused = 5,
    /// <summary>A SentencePiece byte-fallback token such as <c>&lt;0x0A&gt;</c>.</summary>
    Byte = 6,
}
