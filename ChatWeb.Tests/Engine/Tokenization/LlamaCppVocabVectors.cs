namespace ChatWeb.Tests.Engine.Tokenization;

/// <summary>
/// llama.cpp's tokenizer test vectors: <c>X.gguf.inp</c> holds the strings, each followed by
/// "\n__ggml_vocab_test__\n"; <c>X.gguf.out</c> holds one line of space-separated ids per string.
/// </summary>
internal static class LlamaCppVocabVectors
{
    private const string Separator = "\n__ggml_vocab_test__\n";

    public static List<(string Text, int[] Ids)> Load(string vocabName)
    {
        var inputs = File.ReadAllText(TestPaths.Model("llama.cpp-vocab", vocabName + ".inp")).Split(Separator);
        var outputs = File.ReadAllText(TestPaths.Model("llama.cpp-vocab", vocabName + ".out")).Split('\n');
        var cases = new List<(string, int[])>();
        for (var i = 0; i < outputs.Length - 1; i++) // the .out file ends with a newline
        {
            var ids = outputs[i].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
            cases.Add((inputs[i], ids));
        }
        return cases;
    }
}
