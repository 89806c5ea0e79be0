namespace ChatWeb.Engine.Constraints;

/// <summary>
/// One level of a pushdown recognizer for JSON that follows a <see cref="JsonNode"/> grammar, byte by byte.
/// Frames are immutable and linked to their parent, so a state is its top frame and copying one is free: the
/// constraint tries every token from the same state. A finished frame hands control (and, for a number, the
/// byte that ended it) to its parent. The bottom frame, <see cref="EndFrame"/>, accepts nothing more.
/// </summary>
internal abstract class JsonFrame(JsonFrame? parent)
{
    /// <summary>
    /// Longest run of whitespace between JSON tokens: ": " and ", " fit, indentation does not. A model that likes
    /// blank space (as small models do) would otherwise spend its token budget on it and be cut off before the end.
    /// </summary>
    public const int MaxWhitespace = 2;

    /// <summary>Longest number, in characters.</summary>
    public const int MaxNumberLength = 24;

    public JsonFrame Parent => parent!;

    /// <summary>Adds to <paramref name="next"/> every state reached by reading <paramref name="b"/> (none: the byte is not allowed).</summary>
    public abstract void Feed(byte b, List<JsonFrame> next);

    /// <summary>True when the output may end here.</summary>
    public virtual bool CanEnd => false;

    protected static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\n' or (byte)'\t' or (byte)'\r';

    /// <summary>Starts a value of <paramref name="node"/> with its first byte <paramref name="b"/>; <paramref name="parent"/> continues after it.</summary>
    public static void Start(JsonNode node, byte b, JsonFrame parent, List<JsonFrame> next)
    {
        switch (node)
        {
            case AnyOfNode anyOf:
                foreach (var option in anyOf.Options)
                    Start(option, b, parent, next);
                break;
            case LiteralNode literal:
                new LiteralFrame(literal.Text, 0, parent).Feed(b, next);
                break;
            case StringNode s when b == '"':
                next.Add(new StringFrame(s, 0, 0, false, parent));
                break;
            case NumberNode n:
                new NumberFrame(n.Integer, 0, 0, parent).Feed(b, next);
                break;
            case ObjectNode o when b == '{':
                next.Add(new ObjectFrame(o, 0, ObjectFrame.Phase.Open, 0, "", parent));
                break;
            case ArrayNode a when b == '[':
                next.Add(new ArrayFrame(a, 0, ArrayFrame.Phase.Open, 0, parent));
                break;
            case AnyNode:
                Start(AnyValue, b, parent, next);
                break;
        }
    }

    private static readonly AnyOfNode AnyValue = new(
    [
        new ObjectNode([], 0, JsonNode.Any),
        new ArrayNode(JsonNode.Any, 0, JsonSchemaCompiler.DefaultMaxItems),
        new StringNode(0, JsonSchemaCompiler.DefaultMaxLength),
        new NumberNode(Integer: false),
        new LiteralNode("true"u8.ToArray()),
        new LiteralNode("false"u8.ToArray()),
        new LiteralNode("null"u8.ToArray()),
    ]);
}

/// <summary>The bottom of every stack: the output is complete and may end; nothing more may follow.</summary>
internal sealed class EndFrame() : JsonFrame(null)
{
    public override void Feed(byte b, List<JsonFrame> next) { }

    public override bool CanEnd => true;
}

/// <summary>Exactly some bytes, no whitespace around them (a literal, or the text around a tool call).</summary>
internal sealed class LiteralFrame(byte[] text, int at, JsonFrame parent) : JsonFrame(parent)
{
    public override void Feed(byte b, List<JsonFrame> next)
    {
        if (b != text[at])
            return;
        next.Add(at + 1 == text.Length ? Parent : new LiteralFrame(text, at + 1, Parent));
    }
}

/// <summary>A value still to come: leading whitespace, then its first byte.</summary>
internal sealed class ValueFrame(JsonNode node, int whitespace, JsonFrame parent) : JsonFrame(parent)
{
    public override void Feed(byte b, List<JsonFrame> next)
    {
        if (IsWhitespace(b))
        {
            if (whitespace < MaxWhitespace)
                next.Add(new ValueFrame(node, whitespace + 1, Parent));
            return;
        }
        Start(node, b, Parent, next);
    }
}

/// <summary>Inside a string, after the opening quote: characters counted, escapes and UTF-8 sequences checked.</summary>
internal sealed class StringFrame(StringNode node, int length, int pendingUtf8, bool escaped, JsonFrame parent) : JsonFrame(parent)
{
    /// <summary>How many more plain characters the string may take now; -1 inside an escape or a UTF-8 sequence.</summary>
    public int Room => escaped || pendingUtf8 > 0 ? -1 : node.MaxLength - length;

    public override void Feed(byte b, List<JsonFrame> next)
    {
        if (escaped)
        {
            // \uXXXX is left out: it could spell a lone surrogate, which is not text
            if (b is (byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t')
                next.Add(new StringFrame(node, length + 1, 0, false, Parent));
            return;
        }
        if (pendingUtf8 > 0)
        {
            if (b is >= 0x80 and <= 0xBF)
                next.Add(new StringFrame(node, length, pendingUtf8 - 1, false, Parent));
            return;
        }
        if (b == '"')
        {
            if (length >= node.MinLength)
                next.Add(Parent);
            return;
        }
        if (length >= node.MaxLength || b < 0x20)
            return;
        var continuation = b switch
        {
            < 0x80 => 0,
            >= 0xC2 and <= 0xDF => 1,
            >= 0xE0 and <= 0xEF => 2,
            >= 0xF0 and <= 0xF4 => 3,
            _ => -1,
        };
        if (continuation >= 0)
            next.Add(new StringFrame(node, b == '\\' ? length : length + 1, continuation, b == '\\', Parent)); // an escape counts once, when complete
    }
}

/// <summary>Inside a number: JSON's number syntax as a small automaton; the byte after the number goes to the parent.</summary>
internal sealed class NumberFrame(bool integer, int state, int length, JsonFrame parent) : JsonFrame(parent)
{
    // states: 0 start, 1 after '-', 2 a leading 0, 3 integer digits, 4 after '.', 5 fraction digits, 6 after 'e', 7 after the exponent's sign, 8 exponent digits
    private bool Complete => state is 2 or 3 or 5 or 8;

    public override bool CanEnd => Complete && Parent.CanEnd;

    public override void Feed(byte b, List<JsonFrame> next)
    {
        var digit = b is >= (byte)'0' and <= (byte)'9';
        var to = state switch
        {
            0 => b == '-' ? 1 : b == '0' ? 2 : digit ? 3 : -1,
            1 => b == '0' ? 2 : digit ? 3 : -1,
            2 or 3 => digit && state == 3 ? 3 : b == '.' && !integer ? 4 : (b is (byte)'e' or (byte)'E') && !integer ? 6 : -1,
            4 or 5 => digit ? 5 : state == 5 && b is (byte)'e' or (byte)'E' ? 6 : -1,
            6 => b is (byte)'+' or (byte)'-' ? 7 : digit ? 8 : -1,
            7 or 8 => digit ? 8 : -1,
            _ => -1,
        };
        if (to >= 0)
        {
            if (length < MaxNumberLength)
                next.Add(new NumberFrame(integer, to, length + 1, Parent));
        }
        else if (Complete)
        {
            Parent.Feed(b, next); // the number ended: this byte is its parent's
        }
    }
}

/// <summary>Inside an object: keys, colons, values and commas, required properties before the closing brace.</summary>
internal sealed class ObjectFrame(ObjectNode node, ulong seen, ObjectFrame.Phase phase, int whitespace, string key, JsonFrame parent) : JsonFrame(parent)
{
    public enum Phase { Open, Key, KeyEscape, Colon, AfterValue, Comma }

    private const int MaxKeyLength = 256;

    private bool RequiredSeen => (node.Required & ~seen) == 0;

    /// <summary>True when another key may still come: an undeclared one, or a declared one not yet written.</summary>
    private bool MoreKeys => node.Additional is not null || Unseen().Any();

    private IEnumerable<int> Unseen()
    {
        for (var i = 0; i < node.Properties.Count; i++)
        {
            if ((seen & (1UL << i)) == 0)
                yield return i;
        }
    }

    private ObjectFrame With(Phase to, int ws = 0, string? k = null, ulong? s = null) => new(node, s ?? seen, to, ws, k ?? key, Parent);

    public override void Feed(byte b, List<JsonFrame> next)
    {
        switch (phase)
        {
            case Phase.Open or Phase.Comma or Phase.Colon or Phase.AfterValue when IsWhitespace(b):
                if (whitespace < MaxWhitespace)
                    next.Add(With(phase, whitespace + 1));
                break;
            case Phase.Open or Phase.Comma when b == '"':
                if (MoreKeys)
                    next.Add(With(Phase.Key, k: ""));
                break;
            case Phase.Open or Phase.AfterValue when b == '}':
                if (RequiredSeen)
                    next.Add(Parent);
                break;
            case Phase.AfterValue when b == ',':
                if (MoreKeys)
                    next.Add(With(Phase.Comma));
                break;
            case Phase.Key or Phase.KeyEscape:
                FeedKey(b, next);
                break;
            case Phase.Colon when b == ':':
                var index = Declared(key);
                var value = index >= 0 ? node.Properties[index].Value : node.Additional!;
                var after = With(Phase.AfterValue, k: "", s: index >= 0 ? seen | (1UL << index) : seen);
                next.Add(new ValueFrame(value, 0, after));
                break;
        }
    }

    private void FeedKey(byte b, List<JsonFrame> next)
    {
        if (phase == Phase.Key && b == '"')
        {
            var index = Declared(key);
            var fresh = index >= 0 && (seen & (1UL << index)) == 0;
            if (fresh || (index < 0 && node.Additional is not null))
                next.Add(With(Phase.Colon));
            return;
        }
        if (b < 0x20 || key.Length >= MaxKeyLength)
            return;
        var longer = key + (char)b;
        var escape = phase == Phase.Key && b == '\\';
        if (phase == Phase.KeyEscape && b is not ((byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t'))
            return;
        // a declared, unwritten key can still be spelt; or any key, where undeclared ones are allowed (a declared one only once)
        var spellsDeclared = Unseen().Any(i => node.Properties[i].EncodedKey.StartsWith(longer, StringComparison.Ordinal));
        if (spellsDeclared || node.Additional is not null)
            next.Add(With(escape ? Phase.KeyEscape : Phase.Key, k: longer));
    }

    private int Declared(string encodedKey)
    {
        for (var i = 0; i < node.Properties.Count; i++)
        {
            if (node.Properties[i].EncodedKey == encodedKey)
                return i;
        }
        return -1;
    }
}

/// <summary>Inside an array: values and commas, between minItems and maxItems of them.</summary>
internal sealed class ArrayFrame(ArrayNode node, int count, ArrayFrame.Phase phase, int whitespace, JsonFrame parent) : JsonFrame(parent)
{
    public enum Phase { Open, AfterValue, Comma }

    public override void Feed(byte b, List<JsonFrame> next)
    {
        if (IsWhitespace(b))
        {
            if (whitespace < MaxWhitespace)
                next.Add(new ArrayFrame(node, count, phase, whitespace + 1, Parent));
            return;
        }
        switch (phase)
        {
            case Phase.Open or Phase.AfterValue when b == ']':
                if (count >= node.MinItems)
                    next.Add(Parent);
                break;
            case Phase.AfterValue when b == ',':
                if (count < node.MaxItems)
                    next.Add(new ArrayFrame(node, count, Phase.Comma, 0, Parent));
                break;
            case Phase.Open or Phase.Comma:
                if (count < node.MaxItems)
                    Start(node.Items, b, new ArrayFrame(node, count + 1, Phase.AfterValue, 0, Parent), next);
                break;
        }
    }
}
