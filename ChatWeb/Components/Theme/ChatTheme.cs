using MudBlazor;

namespace ChatWeb.Components.Theme;

/// <summary>
/// ChatWeb's one palette for MudBlazor. Every text colour here reaches WCAG AA (4.5:1) on the
/// backgrounds it is used on. Light and dark switch in the browser before the first paint
/// (<c>app.css</c> maps MudBlazor's colour variables onto the same values under
/// <c>html[data-theme]</c> and <c>prefers-color-scheme</c>), so the server renders one theme for all.
/// </summary>
internal static class ChatTheme
{
    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#2459c4",
            PrimaryContrastText = "#ffffff",
            Secondary = "#5b6570",
            Error = "#b3261e",
            Warning = "#8a5300",
            Info = "#1d5fa8",
            Success = "#2e6b30",
            Background = "#ffffff",
            Surface = "#ffffff",
            AppbarBackground = "#f3f5f7",
            AppbarText = "#1d2125",
            DrawerBackground = "#f3f5f7",
            DrawerText = "#1d2125",
            TextPrimary = "#1d2125",
            TextSecondary = "#5b6570",
            ActionDefault = "#4a535c",
            LinesDefault = "#d7dce1",
            LinesInputs = "#767f88",
            Divider = "#d7dce1",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#8ab4f8",
            PrimaryContrastText = "#0d1b33",
            Secondary = "#9aa4ae",
            Error = "#f28b82",
            Warning = "#f0b45a",
            Info = "#8ab4f8",
            Success = "#a5d6a7",
            Background = "#15181b",
            Surface = "#1f2327",
            AppbarBackground = "#1f2327",
            AppbarText = "#e6e9ec",
            DrawerBackground = "#1f2327",
            DrawerText = "#e6e9ec",
            TextPrimary = "#e6e9ec",
            TextSecondary = "#9aa4ae",
            ActionDefault = "#c1c8cf",
            LinesDefault = "#343a40",
            LinesInputs = "#8a949e",
            Divider = "#343a40",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"] },
        },
    };
}
