using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ChatWeb.Api;

/// <summary>
/// Reads a request body as JSON into <typeparamref name="T"/> and, when it cannot, says exactly why:
/// the body is empty or not JSON, a field is unknown (strict mode), or a field has the wrong type.
/// Errors are keyed by the field's path ("settings.temperature"), as in a validation ProblemDetails.
/// </summary>
internal static class StrictJsonReader
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };

    public sealed record Result<T>(T? Value, Dictionary<string, string[]>? Errors);

    /// <summary>The largest body read; a chat prompt is far smaller.</summary>
    public const int MaxBodyBytes = 4 << 20;

    public static async Task<Result<T>> ReadAsync<T>(HttpRequest request, JsonSerializerOptions options, bool rejectUnknownFields)
    {
        var body = await ReadBodyAsync(request);
        if (body is null)
            return Fail<T>("body", $"The body is larger than {MaxBodyBytes / (1 << 20)} MiB.");
        if (body.Length == 0)
            return Fail<T>("body", "The body is empty; send a JSON object.");

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            return Fail<T>("body", $"The body is not valid JSON: {e.Message}");
        }

        using (document)
            return Read<T>(document.RootElement, options, rejectUnknownFields);
    }

    /// <summary>Reads an already parsed JSON value into <typeparamref name="T"/>, with the same checks.</summary>
    public static Result<T> Read<T>(JsonElement root, JsonSerializerOptions options, bool rejectUnknownFields)
    {
        if (root.ValueKind != JsonValueKind.Object)
            return Fail<T>("body", $"The body must be a JSON object, not {Describe(root.ValueKind)}.");

        if (rejectUnknownFields)
        {
            var errors = new Dictionary<string, string[]>();
            FindUnknownFields(root, options.GetTypeInfo(typeof(T)), "", errors);
            if (errors.Count > 0)
                return new Result<T>(default, errors);
        }

        try
        {
            return new Result<T>(root.Deserialize<T>(options), null);
        }
        catch (JsonException e)
        {
            var field = e.Path is { Length: > 2 } path ? path[2..] : "body";
            var expected = ExpectedKind(options.GetTypeInfo(typeof(T)), field);
            return Fail<T>(field, expected is null ? $"Has the wrong type: {e.Message}" : $"Must be {expected}.");
        }
    }

    /// <summary>The whole body, or null when it is larger than <see cref="MaxBodyBytes"/>.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
                return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private static Result<T> Fail<T>(string field, string reason) => new(default, new() { [field] = [reason] });

    private static void FindUnknownFields(JsonElement element, JsonTypeInfo type, string prefix, Dictionary<string, string[]> errors)
    {
        foreach (var property in element.EnumerateObject())
        {
            var known = type.Properties.FirstOrDefault(p => string.Equals(p.Name, property.Name, StringComparison.OrdinalIgnoreCase));
            var path = prefix + property.Name;
            if (known is null)
            {
                var names = string.Join(", ", type.Properties.Select(p => p.Name));
                errors[path] = [$"Unknown field '{property.Name}'. Known fields here: {names}."];
                continue;
            }
            var inner = type.Options.GetTypeInfo(known.PropertyType);
            if (property.Value.ValueKind == JsonValueKind.Object && inner.Kind == JsonTypeInfoKind.Object)
                FindUnknownFields(property.Value, inner, path + ".", errors);
        }
    }

    /// <summary>What the field at a dotted path should hold ("a number"), or null when the path is not a plain field.</summary>
    private static string? ExpectedKind(JsonTypeInfo type, string path)
    {
        Type? current = null;
        foreach (var name in path.Split('.'))
        {
            var bracket = name.IndexOf('[');
            var plain = bracket >= 0 ? name[..bracket] : name;
            var property = type.Properties.FirstOrDefault(p => string.Equals(p.Name, plain, StringComparison.OrdinalIgnoreCase));
            if (property is null)
                return null;
            current = property.PropertyType;
            if (bracket >= 0)
                current = type.Options.GetTypeInfo(current).ElementType;
            if (current is null)
                return null;
            type = type.Options.GetTypeInfo(current);
        }
        if (current is null)
            return null;
        current = Nullable.GetUnderlyingType(current) ?? current;
        if (current == typeof(string)) return "a string";
        if (current == typeof(bool)) return "true or false";
        if (current == typeof(int) || current == typeof(long)) return "a whole number";
        if (current == typeof(double) || current == typeof(float)) return "a number";
        return type.Kind switch
        {
            JsonTypeInfoKind.Enumerable => "an array",
            JsonTypeInfoKind.Object => "an object",
            _ => null,
        };
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
