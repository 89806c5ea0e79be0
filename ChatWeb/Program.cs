using ChatWeb.Api;
using ChatWeb.Components;
using ChatWeb.Inference;

if (await ChatWeb.Inference.Cli.EngineCli.TryRunAsync(args)) return; // model info | model make | bench
if (await ChatWeb.Inference.Scheduling.ServeBenchCommand.TryRunAsync(args)) return; // bench-serve

var builder = WebApplication.CreateBuilder(args);

// Serve wwwroot and framework files from the build output too, not only in Development.
builder.WebHost.UseStaticWebAssets();

builder.Services.AddRazorComponents().AddInteractiveServerComponents();
builder.AddInference();

var app = builder.Build();

if (!app.Environment.IsDevelopment())
{
    app.UseExceptionHandler("/error", createScopeForErrors: true);
}

app.UseAntiforgery();
app.MapStaticAssets();
app.MapHealthApi();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

app.Run();

/// <summary>Entry point; public so that tests can host the app with WebApplicationFactory.</summary>
public partial class Program;
