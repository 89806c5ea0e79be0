using System.Globalization;
using System.Text.RegularExpressions;

namespace ChatWeb.Tests.Engine.Oracle;

/// <summary>
/// One model of the shared llama.cpp reference set (<c>../shared/oracle/ARCH/ARCH-TYPE.*</c>) with
/// its tolerance, both read from the set's MANIFEST.md: the table of shipped files gives each file's
/// tolerance in its last column, and the prompt is the id list after "Prompt (32 ids".
/// </summary>
internal sealed partial record OracleFile(string Architecture, string Type, double Tolerance)
{
    /// <summary>Rows of every reference matrix: 32 prompt positions, or 32 teacher-forced steps.</summary>
    public const int Rows = 32;

    /// <summary>The vocabulary every oracle model shares (stories260K's 512 tokens).</summary>
    public const int Vocab = 512;

    private static readonly Lazy<(IReadOnlyList<OracleFile> Files, int[] Prompt)> s_manifest = new(ReadManifest);

    /// <summary>Every shipped file, in the MANIFEST's order.</summary>
    public static IReadOnlyList<OracleFile> All => s_manifest.Value.Files;

    /// <summary>The 32 prompt ids (BOS first) every reference was computed from.</summary>
    public static int[] Prompt => s_manifest.Value.Prompt;

    /// <summary>The file called <paramref name="name"/> ("llama-Q4_K").</summary>
    public static OracleFile Named(string name) =>
        All.SingleOrDefault(f => f.Name == name) ?? throw new ArgumentException($"{name} is not in the oracle's MANIFEST.md.", nameof(name));

    /// <summary>The names of one architecture's files, as theory data.</summary>
    public static TheoryData<string> NamesOf(string architecture)
    {
        var data = new TheoryData<string>();
        foreach (var file in All.Where(f => f.Architecture == architecture))
            data.Add(file.Name);
        return data;
    }

    public string Name => $"{Architecture}-{Type}";

    public bool IsF32 => Type == "F32";

    public string GgufPath => PathOf(".gguf");

    /// <summary>llama.cpp's logits at the 32 prompt positions, the prompt as one batch [32][512].</summary>
    public float[][] Logits() => ReadMatrix(".logits.bin");

    /// <summary>llama.cpp's logits after feeding greedy id k at position 32 + k [32][512].</summary>
    public float[][] GreedyLogits() => ReadMatrix(".greedy-logits.bin");

    /// <summary>The exact math on this file's weights (dequantized to F32) at the prompt positions;
    /// for F32 files that is <see cref="Logits"/>.</summary>
    public float[][] Exact() => IsF32 ? Logits() : ReadMatrix(".exact.bin");

    /// <summary>llama.cpp's 32 greedy ids after the prompt.</summary>
    public int[] Greedy() => ReadIds(".greedy.txt");

    private string PathOf(string extension) => Path.Combine(TestPaths.Oracle, Architecture, Name + extension);

    private float[][] ReadMatrix(string extension)
    {
        var bytes = File.ReadAllBytes(PathOf(extension));
        Assert.Equal(Rows * Vocab * sizeof(float), bytes.Length);
        var rows = new float[Rows][];
        for (var r = 0; r < Rows; r++)
        {
            rows[r] = new float[Vocab];
            Buffer.BlockCopy(bytes, r * Vocab * sizeof(float), rows[r], 0, Vocab * sizeof(float));
        }
        return BitConverter.IsLittleEndian ? rows : throw new PlatformNotSupportedException("The oracle files are little-endian.");
    }

    private int[] ReadIds(string extension) => ParseIds(File.ReadAllText(PathOf(extension)));

    private static int[] ParseIds(string text) =>
        text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();

    private static (IReadOnlyList<OracleFile>, int[]) ReadManifest()
    {
        var path = Path.Combine(TestPaths.Oracle, "MANIFEST.md");
        if (!File.Exists(path))
            throw new FileNotFoundException($"The oracle set is missing: {path} (../shared/oracle beside the repository).", path);
        var files = new List<OracleFile>();
        int[]? prompt = null;
        foreach (var line in File.ReadLines(path))
        {
            var promptMatch = PromptLine().Match(line);
            if (promptMatch.Success)
                prompt = ParseIds(promptMatch.Groups[1].Value);
            // | arch | type | 2-D tensor types | size | Δ vs F32 | argmax | Δ vs exact | argmax | greedy | tolerance |
            var cells = line.Split('|', StringSplitOptions.TrimEntries);
            if (cells.Length == 12 && cells[1] is "llama" or "qwen2" or "phi3" or "gemma2"
                && double.TryParse(cells[10], NumberStyles.Float, CultureInfo.InvariantCulture, out var tolerance))
                files.Add(new OracleFile(cells[1], cells[2], tolerance));
        }
        if (prompt is not { Length: Rows } || files.Count == 0)
            throw new InvalidDataException($"{path}: no prompt of {Rows} ids or no table of shipped files.");
        return (files, prompt);
    }

    [GeneratedRegex(@"^Prompt \(32 ids[^`]*`([0-9,]+)`")]
    private static partial Regex PromptLine();
}
