using ChatWeb.Chat;
using ChatWeb.Inference.Demo;
using ChatWeb.Inference.Local;
using ChatWeb.Inference.Scheduling;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChatWeb.Inference;

internal static class InferenceServiceCollectionExtensions
{
    /// <summary>
    /// Registers the IChatClient the chat talks to (<see cref="BackendChatClient"/>) and the
    /// <see cref="ModelHost"/> that loads the model named by <c>ChatWeb:Model:Path</c> (or
    /// <c>--model &lt;file&gt;</c>) in the background once the app starts: the server listens at once and
    /// <see cref="BackendState"/> says how far loading has come. Without a usable model the demo client
    /// answers, with <see cref="BackendStatus.Reason"/> saying why (missing file, unsupported model...).
    /// </summary>
    public static WebApplicationBuilder AddInference(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<DemoOptions>()
            .Bind(builder.Configuration.GetSection(DemoOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddInferenceOptions();

        var modelOptions = builder.Configuration.GetSection(ModelOptions.Section).Get<ModelOptions>() ?? new ModelOptions();
        if (string.IsNullOrWhiteSpace(modelOptions.Path))
            modelOptions.Path = builder.Configuration["model"]; // --model <file>
        if (!string.IsNullOrWhiteSpace(modelOptions.Path) && !Path.IsPathRooted(modelOptions.Path) && !File.Exists(modelOptions.Path)
            && File.Exists(Path.Combine(builder.Environment.ContentRootPath, modelOptions.Path)))
            modelOptions.Path = Path.Combine(builder.Environment.ContentRootPath, modelOptions.Path); // relative to the app, not the shell

        var inference = builder.Configuration.GetSection(InferenceOptions.Section).Get<InferenceOptions>() ?? new InferenceOptions();
        if (modelOptions.Threads == 0)
            modelOptions.Threads = inference.Threads; // ChatWeb:Inference:Threads

        // What can be known without reading the file decides at once; the rest is the background load's.
        string? reason = null;
        try
        {
            System.ComponentModel.DataAnnotations.Validator.ValidateObject(modelOptions, new(modelOptions), validateAllProperties: true);
            if (string.IsNullOrWhiteSpace(modelOptions.Path))
                reason = "No model configured (set ChatWeb:Model:Path or pass --model <file.gguf>).";
            else if (!File.Exists(modelOptions.Path))
                reason = $"Model file '{modelOptions.Path}' was not found (ChatWeb:Model:Path).";
        }
        catch (System.ComponentModel.DataAnnotations.ValidationException e)
        {
            reason = $"The model '{modelOptions.Path}' could not be loaded: {e.Message}";
        }
        var toLoad = reason is null ? modelOptions : null;

        builder.Services.AddSingleton(new BackendState(ModelHost.InitialStatus(toLoad, reason)));
        builder.Services.TryAddSingleton<ModelLoad>(LocalModel.Load);
        builder.Services.AddSingleton(sp => new ModelHost(toLoad, sp.GetRequiredService<BackendState>(), sp.GetRequiredService<ModelLoad>(),
            sp, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ModelHost>>()));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ModelHost>());
        builder.Services.AddSingleton<DemoChatClient>();
        builder.Services.AddSingleton<IChatClient, BackendChatClient>();
        builder.Services.AddSingleton<ITokenCounter, BackendTokenCounter>();
        return builder;
    }
}
