using System.ComponentModel.DataAnnotations;

namespace ChatWeb.Inference.Demo;

/// <summary>Settings of the demo client, bound from <c>ChatWeb:Demo</c>.</summary>
public sealed class DemoOptions
{
    public const string Section = "ChatWeb:Demo";

    /// <summary>Pause between streamed words, in milliseconds.</summary>
    [Range(0, 10_000)]
    public int WordDelayMs { get; set; } = 40;
}
