using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ChatWeb.Engine.Tokenization;

/// <summary>
/// Splits text into the pieces BPE runs on, with one or more regular expressions applied in turn
/// (as llama.cpp does): each expression splits every piece from the previous step into its matches
/// and the text between them. Pieces never split a surrogate pair.
/// </summary>
/// <remarks>
/// .NET's Regex sees UTF-16 code units, so a letter or digit outside the Basic Multilingual Plane
/// (a surrogate pair, category Cs) would not match <c>\p{L}</c> or <c>\p{N}</c> as it does in the
/// Oniguruma/Rust regexes the reference tokenizers use. The expressions therefore run on a shadow
/// copy of the text in which both halves of such a pair are replaced by a BMP letter ('ª') or digit
/// ('0'); piece boundaries that would fall inside a pair are dropped. Emoji and other symbols stay
/// surrogates, which match <c>[^\s\p{L}\p{N}]</c> exactly as the symbols themselves do.
/// <c>\s</c> is the same set in both (Unicode White_Space), and the patterns use only greedy
/// quantifiers, alternation and <c>(?!\S)</c> lookahead, which behave identically.
/// </remarks>
internal sealed class PreTokenizer
{
    private readonly Regex[] _expressions;

    public PreTokenizer(string name, params string[] patterns)
    {
        Name = name;
        _expressions = patterns.Select(p => new Regex(p, RegexOptions.CultureInvariant | RegexOptions.Compiled)).ToArray();
    }

    public string Name { get; }

    public List<string> Split(string text)
    {
        var shadow = ShadowForRegex(text);
        var bounds = new List<(int Start, int End)> { (0, text.Length) };
        foreach (var regex in _expressions)
        {
            var next = new List<(int, int)>();
            foreach (var (start, end) in bounds)
            {
                var position = start;
                for (var match = regex.Match(shadow, start, end - start); match.Success; match = match.NextMatch())
                {
                    if (match.Length == 0) continue;
                    if (match.Index > position) next.Add((position, match.Index));
                    next.Add((match.Index, match.Index + match.Length));
                    position = match.Index + match.Length;
                }
                if (position < end) next.Add((position, end));
            }
            bounds = next;
        }

        var pieces = new List<string>(bounds.Count);
        var pieceStart = 0;
        foreach (var (_, end) in bounds)
        {
            if (end < text.Length && char.IsLowSurrogate(text[end]) && end > 0 && char.IsHighSurrogate(text[end - 1]))
                continue; // never cut a surrogate pair
            pieces.Add(text[pieceStart..end]);
            pieceStart = end;
        }
        return pieces;
    }

    /// <summary>The text with supplementary-plane letters and digits replaced, code unit for code unit, by BMP stand-ins.</summary>
    private static string ShadowForRegex(string text)
    {
        if (!text.Any(char.IsHighSurrogate)) return text;
        var chars = text.ToCharArray();
        for (var i = 0; i + 1 < chars.Length; i++)
        {
            if (!char.IsHighSurrogate(chars[i]) || !char.IsLowSurrogate(chars[i + 1])) continue;
            var category = CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(chars[i], chars[i + 1]));
            var standIn = category switch
            {
                <= UnicodeCategory.OtherLetter => 'ª',
                UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => '0',
                _ => '\0',
            };
            if (standIn != '\0') chars[i] = chars[i + 1] = standIn;
            i++;
        }
        return new string(chars);
    }

    // The split expressions, by the names GGUF's tokenizer.ggml.pre uses (llama.cpp's lists).

    private const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)";
    private const string Llama3Pattern = @"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
    private const string Qwen2Pattern = @"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>
    /// DeepSeek LLM's letters: Latin, Greek, Cyrillic, Armenian, Georgian and other cased scripts (the BMP part of
    /// llama.cpp's class; its few supplementary-plane ranges are left out, as .NET classes hold UTF-16 units).
    /// Written as escapes: several of these characters (U+1FBE, U+2126, U+212A...) would otherwise be normalized away.
    /// </summary>
    private const string DeepSeekLetters =
        @"\u0041-\u005A\u0061-\u007A\u00B5\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u01BA\u01BC-\u01BF\u01C4-\u0293" +
        @"\u0295-\u02AF\u0370-\u0373\u0376\u0377\u037B-\u037D\u037F\u0386\u0388-\u038A\u038C\u038E-\u03A1" +
        @"\u03A3-\u03F5\u03F7-\u0481\u048A-\u052F\u0531-\u0556\u10A0-\u10C5\u13A0-\u13F5\u13F8-\u13FD" +
        @"\u1C90-\u1CBA\u1CBD-\u1CBF\u1D00-\u1D2B\u1D6B-\u1D77\u1D79-\u1D9A\u1E00-\u1F15\u1F18-\u1F1D" +
        @"\u1F20-\u1F45\u1F48-\u1F4D\u1F50-\u1F57\u1F59\u1F5B\u1F5D\u1F5F-\u1F7D\u1F80-\u1FB4\u1FB6-\u1FBC" +
        @"\u1FBE\u1FC2-\u1FC4\u1FC6-\u1FCC\u1FD0-\u1FD3\u1FD6-\u1FDB\u1FE0-\u1FEC\u1FF2-\u1FF4\u1FF6-\u1FFC" +
        @"\u2102\u2107\u210A-\u2113\u2115\u2119-\u211D\u2124\u2126\u2128\u212A-\u212D\u212F-\u2134\u2139" +
        @"\u213C-\u213F\u2145-\u2149\u214E\u2183\u2184\u2C00-\u2C7B\u2C7E-\u2CE4\u2CEB-\u2CEE\u2CF2\u2CF3" +
        @"\uA640-\uA66D\uA680-\uA69B\uA722-\uA76F\uA771-\uA787\uA78B-\uA78E\uAB70-\uABBF\uFB00-\uFB06" +
        @"\uFB13-\uFB17\uFF21-\uFF3A\uFF41-\uFF5A";

    /// <summary>
    /// The pre-tokenizer for a GGUF <c>tokenizer.ggml.pre</c> value. A missing value gets llama.cpp's
    /// default; an unknown one falls back to GPT-2's expression, and <paramref name="warning"/> says so
    /// (token ids may then differ from the original tokenizer on some text).
    /// </summary>
    public static PreTokenizer ForGgufName(string? name, out string? warning)
    {
        warning = null;
        switch (name)
        {
            case "gpt-2" or "gpt2" or "mpt" or "olmo" or "jais" or "trillion":
                return new PreTokenizer(name, Gpt2Pattern);
            case "llama3" or "llama-v3" or "llama-bpe" or "falcon3" or "pixtral" or "dbrx" or "smaug-bpe":
                return new PreTokenizer(name, Llama3Pattern);
            case "qwen2" or "stablelm2" or "hunyuan" or "megrez":
                return new PreTokenizer(name, Qwen2Pattern);
            case "deepseek-llm":
                return new PreTokenizer(name,
                    "[\r\n]",
                    @"\s?[" + DeepSeekLetters + "]+",
                    @"\s?[!-/:-~！-／：-～‘-‟　-。]+",
                    @"\s+$",
                    "[一-龥ࠀ-一가-퟿]+",
                    @"\p{N}+");
            case "deepseek-coder":
                return new PreTokenizer(name, "[\r\n]", @"\s?\p{L}+", @"\s?\p{P}+", "[一-龥ࠀ-一가-퟿]+", @"\p{N}");
            case "smollm" or "starcoder" or "refact" or "command-r" or "codeshell" or "exaone" or "minerva":
                return new PreTokenizer(name, @"\p{N}", Gpt2Pattern);
            case "falcon":
                return new PreTokenizer(name, @"[\p{P}\$\+<=>\^~\|`]+", Gpt2Pattern, "[0-9][0-9][0-9]");
            case null or "" or "default":
                return Default();
            default:
                warning = $"Unknown pre-tokenizer '{name}' (tokenizer.ggml.pre); using GPT-2's splitting rules instead, so some text may tokenize differently from the original model.";
                return new PreTokenizer("gpt-2 (fallback for " + name + ")", Gpt2Pattern);
        }
    }

    /// <summary>llama.cpp's default when a BPE vocabulary names no pre-tokenizer.</summary>
    public static PreTokenizer Default() =>
        new("default", @"[\p{P}\$\+<=>\^~\|]+", Gpt2Pattern, @"\p{N}+", "[0-9][0-9][0-9]");

    public override string ToString() => Name;
}
