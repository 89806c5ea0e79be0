using System.Globalization;

namespace ChatWeb.Tests.Telemetry;

/// <summary>Reads a Prometheus text exposition: checks its shape and adds up a metric's samples.</summary>
internal static class PrometheusText
{
    /// <summary>Asserts every line is a comment (# HELP / # TYPE / # EOF) or a sample "name{labels} value".</summary>
    public static void AssertWellFormed(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            if (line.StartsWith('#'))
                continue;
            var value = line[(line.LastIndexOf(' ') + 1)..];
            Assert.True(char.IsAsciiLetter(line[0]) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
                || value is "+Inf" or "-Inf" or "NaN", $"not a Prometheus sample line: {line}");
        }
    }

    /// <summary>The sum of the samples named exactly <paramref name="name"/> (any labels); null when there is none.</summary>
    public static double? Sum(string text, string name)
    {
        double? sum = null;
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!line.StartsWith(name, StringComparison.Ordinal) || line.Length == name.Length || line[name.Length] is not ('{' or ' '))
                continue;
            sum = (sum ?? 0) + double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
        }
        return sum;
    }
}
