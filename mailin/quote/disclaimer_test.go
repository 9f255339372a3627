package quote

import "testing"

func TestDisclaimers(t *testing.T) {
	reply := "Bom dia,\n\nSegue o comprovante.\n\nAtenciosamente,\nRenata\nGrupo Matriz"
	for name, notice := range map[string]string{
		"pt":             "Esta mensagem pode conter informação confidencial. Se você não for o destinatário, apague-a.",
		"pt lgpd":        "AVISO LGPD: tratamos dados pessoais conforme a Lei 13.709/2018; se recebeu por engano, avise-nos.",
		"en":             "This email and any attachments are confidential and intended solely for the addressee.",
		"under a rule":   "-----\nCONFIDENTIALITY NOTICE: privileged and confidential, for the intended recipient only.",
		"tr":             "Bu e-posta ve ekleri gizlidir; alıcı değilseniz lütfen silin.",
		"after sign-off": "Os dados deste e-mail são sigilosos e confidenciais.",
	} {
		in := reply + "\n\n" + notice
		if got := Strip(in); got != reply {
			t.Errorf("%s: Strip(%q) = %q", name, in, got)
		}
	}
	// A request about personal data is the sender's own text.
	for _, in := range []string{
		"Bom dia,\n\nApaguem os dados pessoais do cliente João: ele pediu pela LGPD, e o pedido é confidencial.\n\nObrigado",
		"Este e-mail é confidencial e só para o destinatário, por isso pergunto por aqui: qual é a senha?",
		"Olá,\n\nO cliente recebeu por engano um e-mail confidencial nosso. Podem apagar do histórico?\n\nAtt.,\nCarlos",
	} {
		if got := Strip(in); got != in {
			t.Errorf("Strip(%q) = %q", in, got)
		}
	}
}
