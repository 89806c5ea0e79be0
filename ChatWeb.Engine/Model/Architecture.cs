namespace ChatWeb.Engine.Model;

/// <summary>
/// What distinguishes one supported architecture from another. The forward pass is one loop; these
/// flags choose its optional steps.
/// </summary>
/// <param name="Name">the value of <c>general.architecture</c>, also the prefix of its metadata keys.</param>
/// <param name="Rope">how RoPE pairs dimensions.</param>
/// <param name="QkvBias">Q, K and V projections add a bias (Qwen2).</param>
/// <param name="QkNorm">Q and K are RMS-normalised per head before RoPE (Qwen3).</param>
internal sealed record Architecture(string Name, RopeStyle Rope, bool QkvBias, bool QkNorm)
{
    public static readonly Architecture Llama = new("llama", RopeStyle.Normal, QkvBias: false, QkNorm: false);
    public static readonly Architecture Qwen2 = new("qwen2", RopeStyle.NeoX, QkvBias: true, QkNorm: false);
    public static readonly Architecture Qwen3 = new("qwen3", RopeStyle.NeoX, QkvBias: false, QkNorm: true);

    public static IReadOnlyList<Architecture> All { get; } = [Llama, Qwen2, Qwen3];

    public static Architecture? Find(string name) => All.FirstOrDefault(a => a.Name == name);
}
