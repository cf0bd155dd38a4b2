from django import forms


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Security code",
        help_text="The 6-digit code your authenticator app shows for the BNSSG locality funding portal.",
        max_length=16,
        strip=True,
        error_messages={"required": "Enter the 6-digit security code from your authenticator app"},
    )

    def clean_token(self) -> str:
        token = self.cleaned_data["token"].replace(" ", "")
        if len(token) != 6 or not token.isascii() or not token.isdigit():
            raise forms.ValidationError("Enter the security code as 6 digits, like 123456")
        return token
