using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace ChatWeb.Api;

/// <summary>
/// Reads a request body as JSON into <typeparamref name="T"/> and, when it cannot, says exactly why:
/// the body is empty or not JSON, a text is not valid Unicode (invalid UTF-8, a lone surrogate such as
/// <c>"\ud800"</c>), a field is unknown (strict mode), or a field has the wrong type.
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

        var broken = new Dictionary<string, string[]>();
        FindBrokenText(root, "", broken);
        if (broken.Count > 0)
            return new Result<T>(default, broken);

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

    /// <summary>The text of a JSON string; false when it is not a string or not valid Unicode.</summary>
    public static bool TryGetText(JsonElement element, out string? text)
    {
        text = null;
        if (element.ValueKind != JsonValueKind.String)
            return false;
        try
        {
            text = element.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false; // invalid UTF-8, or an escaped lone surrogate
        }
    }

    /// <summary>Every string (and property name) that is not valid Unicode, by path; the model and the logs get only valid text.</summary>
    private static void FindBrokenText(JsonElement element, string path, Dictionary<string, string[]> errors)
    {
        const string reason = "Is not valid Unicode text (invalid UTF-8 or a lone surrogate such as \\ud800).";
        switch (element.ValueKind)
        {
            case JsonValueKind.String when !TryGetText(element, out _):
                errors[path.Length == 0 ? "body" : path] = [reason];
                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        errors[path.Length == 0 ? "body" : path] = ["A field name is " + reason[3..]];
                        continue;
                    }
                    FindBrokenText(property.Value, path.Length == 0 ? name : $"{path}.{name}", errors);
                }
                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                    FindBrokenText(item, $"{path}[{i++}]", errors);
                break;
        }
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
