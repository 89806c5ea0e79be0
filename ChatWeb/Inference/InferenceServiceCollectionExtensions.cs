using ChatWeb.Chat;
using ChatWeb.Inference.Demo;
using ChatWeb.Inference.Local;
using ChatWeb.Inference.Scheduling;
using Microsoft.Extensions.AI;

namespace ChatWeb.Inference;

internal static class InferenceServiceCollectionExtensions
{
    /// <summary>
    /// Registers the IChatClient the chat talks to: ChatWeb's GGUF engine when <c>ChatWeb:Model:Path</c>
    /// (or <c>--model &lt;file&gt;</c>) names a loadable model, else the demo client, with
    /// <see cref="BackendStatus.Reason"/> saying why (missing file, unsupported model...).
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

        LocalModel? model = null;
        string? reason = null;
        try
        {
            System.ComponentModel.DataAnnotations.Validator.ValidateObject(modelOptions, new(modelOptions), validateAllProperties: true);
            if (!string.IsNullOrWhiteSpace(modelOptions.Path))
                model = LocalModel.Load(modelOptions);
            else
                reason = "No model configured (set ChatWeb:Model:Path or pass --model <file.gguf>).";
        }
        catch (Exception e) // any failure to load leaves the app usable: demo mode, with the reason shown
        {
            reason = e is FileNotFoundException ? e.Message : $"The model '{modelOptions.Path}' could not be loaded: {e.Message}";
        }

        if (model is not null)
        {
            builder.Services.AddSingleton(model);
            builder.Services.AddSingleton(new BackendStatus("gguf", true, model.Name, null));
            builder.Services.AddSingleton<ITokenCounter>(new ModelTokenCounter(model,
                Math.Min(inference.ContextLength, model.Transformer.Config.ContextLength)));
            builder.AddInferenceScheduler(model);
            builder.Services.AddSingleton<IChatClient>(sp =>
                new GgufChatClient(model, sp.GetRequiredService<InferenceScheduler>(), sp.GetRequiredService<ILogger<GgufChatClient>>()));
        }
        else
        {
            builder.Services.AddSingleton(BackendStatus.Demo(reason!));
            builder.Services.AddSingleton<IChatClient, DemoChatClient>();
        }
        builder.Services.AddHostedService<BackendStartupLog>();
        return builder;
    }
}
