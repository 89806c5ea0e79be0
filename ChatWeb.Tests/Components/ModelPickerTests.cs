using Bunit;
using ChatWeb.Components.Chat;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace ChatWeb.Tests.Components;

public sealed class ModelPickerTests : ComponentTestContext
{
    private string? _chosen = "none yet";
    private IRenderedComponent<MudPopoverProvider> _popovers = null!;

    private IRenderedComponent<ModelPicker> RenderPicker(IReadOnlyList<string> models, string? selected)
    {
        RenderInteractively();
        _popovers = Render<MudPopoverProvider>();
        return Render<ModelPicker>(p => p.Add(c => c.Models, models).Add(c => c.Selected, selected)
            .Add(c => c.SelectedChanged, EventCallback.Factory.Create<string?>(this, m => _chosen = m)));
    }

    private void Choose(IRenderedComponent<ModelPicker> picker, string model)
    {
        picker.InvokeAsync(() => picker.FindComponent<MudSelect<string>>().Instance.OpenMenu());
        _popovers.WaitForAssertion(() => _popovers.FindAll("[role=option]").Single(o => o.TextContent.Trim() == model).Click());
    }

    [Fact]
    public void ListsTheModels_LocalFirst_UnderAnAccessibleName()
    {
        var picker = RenderPicker(["demo", "big", "slow"], "big");

        Assert.Equal("Model", picker.Find("[role=combobox]").GetAttribute("aria-label"));
        Assert.Equal("big", picker.Find("[role=combobox]").TextContent.Trim());
        Assert.Equal("Model", picker.Find("label[for=model]").TextContent.Trim());
        picker.InvokeAsync(() => picker.FindComponent<MudSelect<string>>().Instance.OpenMenu());
        _popovers.WaitForAssertion(() => Assert.Equal(["demo", "big", "slow"], _popovers.FindAll("[role=option]").Select(o => o.TextContent.Trim())));
    }

    [Fact]
    public void ChoosingARemoteModel_NamesIt_AndChoosingTheLocalOne_MeansNone()
    {
        var picker = RenderPicker(["demo", "big"], null);

        Choose(picker, "big");
        Assert.Equal("big", _chosen);

        Choose(picker, "demo");
        Assert.Null(_chosen);
    }

    [Fact]
    public void WithOnlyTheLocalModel_ThereIsNoPicker()
    {
        var picker = RenderPicker(["demo"], null);

        Assert.Empty(picker.FindAll(".model-picker"));
    }
}
