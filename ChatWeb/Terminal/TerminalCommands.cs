using ChatWeb.Api.Access;
using ChatWeb.Chat;
using ChatWeb.Engine.Hosting;
using ChatWeb.Inference;
using ChatWeb.Library;
using Microsoft.Extensions.AI;

namespace ChatWeb.Terminal;

/// <summary>
/// Runs <c>chat</c>, <c>ask</c> and <c>apikey</c> in this process, before (and instead of) the web
/// host: the same configuration and inference registration as the web app, but no server.
/// Exit codes: 0 done, 1 the model failed, 2 bad arguments.
/// </summary>
internal static class TerminalCommands
{
    /// <summary>
    /// Runs the command when <paramref name="args"/> names one (then true, with the exit code in
    /// <see cref="Environment.ExitCode"/>); false when the web app should start instead.
    /// </summary>
    public static async Task<bool> TryRunAsync(string[] args)
    {
        if (!TerminalArguments.Matches(args))
            return false;
        Environment.ExitCode = await RunAsync(args);
        return true;
    }

    private static async Task<int> RunAsync(string[] args)
    {
        var arguments = TerminalArguments.Parse(args, out var error);
        if (arguments is null)
        {
            if (error!.Length > 0)
                Console.Error.WriteLine($"error: {error}");
            Console.Error.WriteLine(TerminalArguments.Usage);
            return error.Length > 0 ? 2 : 0;
        }

        if (arguments.Command == "apikey")
            return PrintNewApiKey();

        await using var services = BuildServices(arguments);
        var status = await LoadModelAsync(services);
        var client = services.GetRequiredService<IChatClient>();
        // The same turn builder as the web app: a chat longer than the context leaves its oldest turns out.
        var session = new ChatSession(client, services.GetRequiredService<TurnBuilder>()) { Time = services.GetRequiredService<TimeProvider>() };
        if (arguments.System is not null)
            session.SystemPrompts.Add(arguments.System);
        if (arguments.Model is not null && !status.ModelLoaded)
            Console.Error.WriteLine($"warning: the model was not loaded ({status.Reason}); the {status.Backend} backend answers.");

        return arguments.Command == "ask"
            ? await TerminalAsk.RunAsync(session, arguments, Console.In, Console.Out, Console.Error, Console.IsInputRedirected)
            : await new TerminalChat(session, status, Console.In, Console.Out, TerminalStyle.For(Console.IsOutputRedirected)).RunAsync();
    }

    /// <summary>Loads the model (no host runs here to start it), showing its progress on a terminal's standard error; the backend's state once done.</summary>
    private static async Task<InferenceStatus> LoadModelAsync(IServiceProvider services)
    {
        var state = services.GetRequiredService<IInferenceStatus>();
        var showProgress = state.Current.Loading is not null && !Console.IsErrorRedirected;
        void Show(InferenceStatus status)
        {
            if (status.Loading is { } p)
                Console.Error.Write($"\rLoading model {status.Model}… {p.Percent,3} % ({p.Stage})\e[K");
        }
        if (showProgress)
            state.Changed += Show;
        try
        {
            await state.WhenLoaded();
        }
        finally
        {
            state.Changed -= Show;
            if (showProgress)
                Console.Error.Write("\r\e[K");
        }
        return state.Current;
    }

    /// <summary>The app's services as the web app registers them (without the web server), quiet below warnings.</summary>
    private static ServiceProvider BuildServices(TerminalArguments arguments)
    {
        var builder = WebApplication.CreateBuilder(arguments.ConfigurationArgs);
        if (arguments.Model is not null)
            builder.Configuration["ChatWeb:Model:Path"] = arguments.Model;
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("ChatWeb.Engine.Hosting", LogLevel.Error); // the commands say themselves what answers, and why
        builder.AddInference();
        builder.AddConversationPipeline();
        return (ServiceProvider)builder.Build().Services;
    }

    private static int PrintNewApiKey()
    {
        var key = ApiKeyRing.NewKey();
        Console.WriteLine($"""
            New API key (shown once; ChatWeb keeps only its hash):

              {key}

            Add its hash to appsettings.json (or ChatWeb__Api__Keys__0__Name / __Sha256 in the environment):

              "ChatWeb": {"{"} "Api": {"{"} "Keys": [ {"{"} "Name": "my-client", "Sha256": "{ApiKeyRing.Hash(key)}" {"}"} ] {"}"} {"}"}

            Clients send it as: Authorization: Bearer {key}
            """);
        return 0;
    }
}
