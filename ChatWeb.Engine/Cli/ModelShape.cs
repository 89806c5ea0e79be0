namespace ChatWeb.Engine.Cli;

/// <summary>The hyper-parameters of a real model family, for random-weight files of realistic size.</summary>
internal sealed record ModelShape(
    string Name, string Architecture, int Dim, int Layers, int Heads, int KvHeads, int Ffn, int Vocab,
    int Context, float RopeBase, float Epsilon, bool TiedOutput, bool Llama3RopeScaling, string PreTokenizer)
{
    public int HeadDim => Dim / Heads;

    public static IReadOnlyList<ModelShape> All { get; } =
    [
        new("tiny", "llama", Dim: 256, Layers: 2, Heads: 4, KvHeads: 2, Ffn: 512, Vocab: 1024,
            Context: 2048, RopeBase: 10000f, Epsilon: 1e-5f, TiedOutput: false, Llama3RopeScaling: false, PreTokenizer: "default"),
        // Qwen2.5-0.5B: hidden 896, 24 layers, 14 heads, 2 KV heads, FFN 4864, vocab 151936, tied embeddings
        new("qwen2.5-0.5b", "qwen2", Dim: 896, Layers: 24, Heads: 14, KvHeads: 2, Ffn: 4864, Vocab: 151936,
            Context: 32768, RopeBase: 1_000_000f, Epsilon: 1e-6f, TiedOutput: true, Llama3RopeScaling: false, PreTokenizer: "qwen2"),
        // Llama 3.2 1B: hidden 2048, 16 layers, 32 heads, 8 KV heads, FFN 8192, vocab 128256, tied, Llama 3.1 rope scaling
        new("llama-1b", "llama", Dim: 2048, Layers: 16, Heads: 32, KvHeads: 8, Ffn: 8192, Vocab: 128256,
            Context: 131072, RopeBase: 500_000f, Epsilon: 1e-5f, TiedOutput: true, Llama3RopeScaling: true, PreTokenizer: "llama-bpe"),
    ];

    public static ModelShape Find(string name) => All.FirstOrDefault(s => s.Name == name)
        ?? throw new CliException($"Unknown shape '{name}' (known: {string.Join(", ", All.Select(s => s.Name))}).");

    /// <summary>
    /// Llama 3.1 rope frequency factors (factor 32, low 1, high 4, original context 8192): long
    /// wavelengths are slowed by the factor, short ones kept, the band between blended.
    /// </summary>
    public float[] RopeFrequencyFactors()
    {
        const double factor = 32, lowFactor = 1, highFactor = 4, originalContext = 8192;
        var lowWavelength = originalContext / lowFactor;
        var highWavelength = originalContext / highFactor;
        var factors = new float[HeadDim / 2];
        for (var i = 0; i < factors.Length; i++)
        {
            var wavelength = 2 * Math.PI * Math.Pow(RopeBase, 2.0 * i / HeadDim);
            if (wavelength < highWavelength)
                factors[i] = 1f;
            else if (wavelength > lowWavelength)
                factors[i] = (float)factor;
            else
            {
                var smooth = (originalContext / wavelength - lowFactor) / (highFactor - lowFactor);
                factors[i] = (float)(1 / ((1 - smooth) / factor + smooth));
            }
        }
        return factors;
    }
}
