namespace ChatWeb.Inference.Demo;

/// <summary>The simulated assistant's canned answers, chosen by a keyword in the prompt.</summary>
internal static class DemoAnswers
{
    public const string Thinking =
        "The user wants to see me think. I will reason briefly, then answer. " +
        "First I restate the question, then I look for the simplest helpful reply.";

    public static string For(string prompt)
    {
        var p = prompt.ToLowerInvariant();
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
               "to talk about streaming, or to think before answering.";
    }
}
