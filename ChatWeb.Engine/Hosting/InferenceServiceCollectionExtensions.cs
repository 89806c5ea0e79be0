using System.ComponentModel.DataAnnotations;
using System.Diagnostics.Metrics;
using ChatWeb.Engine.Chat;
using ChatWeb.Engine.Local;
using ChatWeb.Engine.Onnx;
using ChatWeb.Engine.Scheduling;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ChatWeb.Engine.Hosting;

/// <summary>Adds ChatWeb's inference service to an application's container.</summary>
public static class InferenceServiceCollectionExtensions
{
    /// <summary>
    /// The key under which <see cref="AddLocalInference"/> registers the engine's <see cref="IChatClient"/>
    /// (a keyed singleton), so that the application composes its own <see cref="IChatClient"/> over it, e.g.
    /// <c>services.AddChatClient(sp =&gt; sp.GetRequiredKeyedService&lt;IChatClient&gt;(ChatClientKey)).UseLogging()</c>.
    /// </summary>
    public const string ChatClientKey = "ChatWeb.Engine";

    /// <summary>
    /// Registers the one inference service: an <see cref="IChatClient"/> (keyed <see cref="ChatClientKey"/>) that answers with the model named by
    /// <c>ChatWeb:Model:Path</c> (or <c>--model &lt;path&gt;</c>: a .gguf file runs on ChatWeb's engine, an ONNX Runtime GenAI model folder on ONNX Runtime) once it has loaded in the background, an
    /// <see cref="ITokenCounter"/> that counts with its tokenizer, and the <see cref="IInferenceStatus"/> that
    /// says how loading goes. The settings under <c>ChatWeb:Inference</c> are checked at start-up (an invalid
    /// value stops the app with a message naming it). Without a usable model <paramref name="fallback"/> answers
    /// and counts, and the status says why.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configuration">The application's configuration (<c>ChatWeb:Model</c>, <c>ChatWeb:Inference</c>, <c>model</c>).</param>
    /// <param name="contentRoot">Where a relative model path is looked for when it is not found from the working folder.</param>
    /// <param name="fallback">The chat client and token counter used when there is no model (a demo assistant, say).</param>
    public static IServiceCollection AddLocalInference(this IServiceCollection services, IConfiguration configuration, string contentRoot,
        Func<IServiceProvider, (IChatClient Client, ITokenCounter Tokens)> fallback)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<InferenceOptions>()
            .Bind(configuration.GetSection(InferenceOptions.Section))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<InferenceOptions>, InferenceOptionsValidator>();

        var (toLoad, reason) = ModelToLoad(configuration, contentRoot);
        services.TryAddSingleton<ModelLoad>(LocalModel.Load);
        services.AddSingleton(sp => new ModelHost(toLoad, ModelHost.InitialStatus(toLoad, reason), sp.GetRequiredService<ModelLoad>(),
            sp, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ModelHost>>()));
        services.AddHostedService(sp => sp.GetRequiredService<ModelHost>());
        services.AddSingleton<IInferenceStatus>(sp => sp.GetRequiredService<ModelHost>());
        services.AddKeyedSingleton<IChatClient>(ChatClientKey, (sp, _) => new InferenceChatClient(sp.GetRequiredService<ModelHost>(), fallback(sp).Client));
        services.AddSingleton<ITokenCounter>(sp => new InferenceTokenCounter(sp.GetRequiredService<ModelHost>(), fallback(sp).Tokens));
        return services;
    }

    /// <summary>The model settings with the path resolved, or why there is nothing to load: what can be known without reading the file decides at once.</summary>
    private static (ModelOptions? ToLoad, string? Reason) ModelToLoad(IConfiguration configuration, string contentRoot)
    {
        var model = configuration.GetSection(ModelOptions.Section).Get<ModelOptions>() ?? new ModelOptions();
        if (string.IsNullOrWhiteSpace(model.Path))
            model.Path = configuration["model"]; // --model <file>
        if (!string.IsNullOrWhiteSpace(model.Path) && !Path.IsPathRooted(model.Path) && !Path.Exists(model.Path)
            && Path.Exists(Path.Combine(contentRoot, model.Path)))
            model.Path = Path.Combine(contentRoot, model.Path); // relative to the app, not the shell

        var inference = configuration.GetSection(InferenceOptions.Section).Get<InferenceOptions>() ?? new InferenceOptions();
        if (model.Threads == 0)
            model.Threads = inference.Threads; // ChatWeb:Inference:Threads
        model.KvCacheType = inference.KvCacheType;

        try
        {
            Validator.ValidateObject(model, new(model), validateAllProperties: true);
            if (string.IsNullOrWhiteSpace(model.Path))
                return (null, "No model configured (set ChatWeb:Model:Path or pass --model <file.gguf>).");
            if (Directory.Exists(model.Path))
                return OnnxModelFolder.IsModelFolder(model.Path) ? (model, null)
                    : (null, $"The folder '{model.Path}' has no {OnnxModelFolder.ConfigFile}: ChatWeb:Model:Path takes a .gguf file or an ONNX Runtime GenAI model folder (genai_config.json, the .onnx file, tokenizer.json).");
            if (!File.Exists(model.Path))
                return (null, $"Model file '{model.Path}' was not found (ChatWeb:Model:Path).");
            return (model, null);
        }
        catch (ValidationException e)
        {
            return (null, $"The model '{model.Path}' could not be loaded: {e.Message}");
        }
    }

    /// <summary>The one scheduler over the loaded model. A KV cache budget too small for the model throws, naming the setting.</summary>
    internal static InferenceScheduler CreateInferenceScheduler(this IServiceProvider services, LocalModel model) =>
        new(model.Transformer,
            services.GetRequiredService<IOptions<InferenceOptions>>().Value.ForModel(model.Options),
            services.GetRequiredService<TimeProvider>(),
            services.GetService<IMeterFactory>(),
            services.GetRequiredService<ILogger<InferenceScheduler>>());
}
