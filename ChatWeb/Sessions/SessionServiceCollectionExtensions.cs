using ChatWeb.Storage;
using Microsoft.AspNetCore.DataProtection;

namespace ChatWeb.Sessions;

internal static class SessionServiceCollectionExtensions
{
    /// <summary>
    /// Per-browser sessions: an HttpOnly, SameSite=Lax cookie (Secure outside Development) naming a
    /// session whose data lives in the database. Data-protection keys are kept in the data folder so
    /// cookies stay valid across restarts.
    /// </summary>
    public static WebApplicationBuilder AddChatSessions(this WebApplicationBuilder builder)
    {
        builder.AddValidatedOptions<ChatSessionOptions>(ChatSessionOptions.Section);
        var options = builder.Configuration.GetSection(ChatSessionOptions.Section).Get<ChatSessionOptions>() ?? new();

        builder.Services.AddDataProtection()
            .SetApplicationName("ChatWeb")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(builder.DataFolder(), "keys")));

        var development = builder.Environment.IsDevelopment();
        builder.Services.AddSession(session =>
        {
            session.IdleTimeout = options.IdleTimeout;
            session.Cookie.Name = ".ChatWeb.Session";
            session.Cookie.HttpOnly = true;
            session.Cookie.SameSite = SameSiteMode.Lax;
            session.Cookie.SecurePolicy = development ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
            session.Cookie.IsEssential = true;
            // The server's idle timeout ends a session; the cookie only has to outlive it.
            session.Cookie.MaxAge = TimeSpan.FromDays(400);
        });
        builder.Services.AddScoped<SessionOwner>();
        return builder;
    }

    public static WebApplication UseChatSessions(this WebApplication app)
    {
        app.UseSession();
        app.UseMiddleware<SessionOwnerMiddleware>();
        return app;
    }
}
