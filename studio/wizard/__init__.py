"""The new-project wizard (File > New, Ctrl+N): family, name and folder, data, model, review."""
from studio.wizard.wizard import NewProjectWizard

__all__ = ["NewProjectWizard"]
