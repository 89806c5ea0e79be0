namespace ChatWeb.Inference.Demo;

/// <summary>The simulated assistant's canned answers, chosen by a keyword in the prompt.</summary>
internal static class DemoAnswers
{
    public const string Thinking =
        "The user wants to see me think. I will reason briefly, then answer. " +
        "First I restate the question, then I look for the simplest helpful reply.";

    /// <summary>Longer thoughts, in paragraphs, for a prompt that asks the assistant to ponder.</summary>
    public const string LongThinking =
        "The user asked me to ponder, so I take my time.\n\n" +
        "First, what is being asked? A greeting, or perhaps a question about how this demo works. " +
        "I should keep the answer short and friendly.\n\n" +
        "Second, what would help most? Saying what I can do: explain, show code, talk about streaming, " +
        "and show markdown.\n\n" +
        "Third, how should it read? Plain words, one short paragraph, no jargon. " +
        "That settles it; time to answer.";

    /// <summary>The thoughts for this prompt: longer when it asks to ponder.</summary>
    public static string ThinkingFor(string prompt) =>
        prompt.Contains("ponder", StringComparison.OrdinalIgnoreCase) ? LongThinking : Thinking;

    /// <summary>The answer to <paramref name="prompt"/>; asked for its system prompt, the demo quotes <paramref name="system"/>.</summary>
    public static string For(string prompt, string? system = null)
    {
        var p = prompt.ToLowerInvariant();
        if (p.Contains("system prompt"))
            return string.IsNullOrWhiteSpace(system) ? "I was given no system prompt." : $"My system prompt says: {system}";
        if (p.Contains("hostile"))
            return Hostile;
        if (p.Contains("long"))
            return LongMarkdown(sections: 27);
        if (p.Contains("math"))
            return MathAnswer;
        if (p.Contains("markdown"))
            return LongMarkdown(sections: 1);
        if (p.Contains("hello") || p.Contains("hi ") || p == "hi")
            return "Hello! I am ChatWeb's demo assistant. No model is loaded, so my answers are canned, " +
                   "but they stream just like a real model's would. Ask me to explain, to show code, " +
                   "or about streaming.";
        if (p.Contains("code"))
            return "Here is a small C# example:\n\n```csharp\nvar names = new[] { \"Ada\", \"Linus\" };\n" +
                   "foreach (var name in names)\n    Console.WriteLine($\"Hello, {name}!\");\n```\n\n" +
                   "It prints one greeting per name.";
        if (p.Contains("stream"))
            return "Streaming means the answer arrives token by token as the model produces it. " +
                   "ChatWeb sends each piece to your browser over the live connection, so you can start " +
                   "reading at once, and you can press Stop whenever you have seen enough. " +
                   "What was already streamed stays on the page.";
        if (p.Contains("explain"))
            return "Here is how ChatWeb works. Your browser keeps a live connection to the server. " +
                   "When you send a prompt, the server hands the conversation to a chat client, which " +
                   "generates the answer one token at a time. Each token travels back over the connection " +
                   "and appears in the message as it arrives. In demo mode the chat client is a simulator; " +
                   "with a model configured it is ChatWeb's own inference engine.";
        return "This is ChatWeb's demo mode: no model is loaded, so this answer is simulated. " +
               "Try asking me to say hello, to explain how ChatWeb works, to show some code, " +
               "to talk about streaming, or to think before answering. Ask for markdown to see formatting, " +
               "or for a long answer.";
    }

    /// <summary>
    /// Markdown that tries every trick a model's text could play on the page: raw HTML and script,
    /// event handlers, script and data links, a remote image, entities. Rendered safely, none of it runs.
    /// </summary>
    public const string Hostile =
        "Here is some hostile markdown; none of it should do anything.\n\n" +
        "<script>window.__chatwebInjected = 'script'; alert('script');</script>\n\n" +
        "An image with a handler: <img src=x onerror=\"window.__chatwebInjected='img'; alert('img')\">\n\n" +
        "<iframe src=\"javascript:alert('iframe')\"></iframe>\n\n" +
        "A [script link](javascript:alert('link')) and a [data link](data:text/html,<script>alert('data')</script>) " +
        "and an autolink <javascript:alert('auto')>.\n\n" +
        "![tracking pixel](http://127.0.0.1:9/pixel.png)\n\n" +
        "Entities stay text: &lt;b onmouseover=alert('entity')&gt;bold?&lt;/b&gt; &amp; done.\n\n" +
        "<div style=\"position:fixed;inset:0\" onclick=\"alert('div')\">cover</div>\n\n" +
        "Math cannot carry HTML or links either: $\\href{javascript:alert('math')}{click}$, " +
        "$<img src=x onerror=\"window.__chatwebInjected='math'\">$ and\n\n" +
        "$$\n\\htmlClass{x}{y} </div><script>window.__chatwebInjected='math block'</script>\n$$\n\n" +
        "A [safe link](https://example.org) is allowed.";

    /// <summary>Inline and display math, typeset by KaTeX in the browser.</summary>
    public const string MathAnswer =
        "Euler's identity $e^{i\\pi} + 1 = 0$ ties five constants together, and\n\n" +
        "$$\n\\int_0^1 x^2\\,dx = \\frac{1}{3}\n$$\n\n" +
        "is the area under a parabola.";

    /// <summary>
    /// A long answer in markdown (headings, lists, a task list, a table, code blocks, emphasis),
    /// about 147 words per section: 27 sections make the streaming benchmark's ~4,000 tokens.
    /// </summary>
    public static string LongMarkdown(int sections)
    {
        var text = new System.Text.StringBuilder("Here is a tour of markdown, section by section.\n\n");
        for (var i = 1; i <= sections; i++)
        {
            text.Append($"## Section {i}: streaming in practice\n\n");
            text.Append($"Section {i} explains one idea with *emphasis*, **strong words**, ~~a strike~~ and `inline code`. ");
            text.Append("A model writes text token by token, and the page shows it as it arrives.\n\n");
            text.Append("- First, the prompt travels to the server\n- Then the model answers\n  - one token at a time\n- Finally the answer is complete\n\n");
            text.Append("1. Read the question\n2. Think it over\n3. Write the answer\n\n");
            text.Append("- [x] parse the markdown\n- [ ] freeze finished blocks\n\n");
            text.Append("| step | tokens | time |\n|---|---:|---:|\n");
            text.Append($"| prompt | {i * 12} | {i * 3} ms |\n| answer | {i * 40} | {i * 25} ms |\n\n");
            text.Append($"```csharp\n// section {i}\nvar total = 0;\nfor (var n = 0; n < {i}; n++)\n    total += n * n;\nConsole.WriteLine($\"total: {{total}}\");\n```\n\n");
            text.Append($"> Note {i}: finished blocks never change, so they are sent to the browser once.\n\n");
        }
        text.Append("That is the end of the tour.");
        return text.ToString();
    }
}
