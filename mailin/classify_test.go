package mailin

import (
	"strings"
	"testing"
)

// TestClassifyBody: machine mail that carries no header saying so, read
// by its body; and people whose mail looks like it at a glance.
func TestClassifyBody(t *testing.T) {
	ours := func(a string) bool { return strings.HasPrefix(a, "suporte") }
	tests := []struct {
		name, raw, want string
	}{
		{"postfix text bounce", "From: Mail Delivery System <noreply@mx.example>\r\nSubject: Undelivered Mail Returned to Sender\r\n\r\n" +
			"This is the mail system at host mx.example.\r\n\r\nI'm sorry to have to inform you that your message could not\r\nbe delivered to one or more recipients.", ReasonBounce},
		{"exim text bounce, person-like sender", "From: mail@host7.example\r\nSubject: Mail delivery failed: returning message to sender\r\n\r\n" +
			"This message was created automatically by mail delivery software.\r\n\r\nA message that you sent could not be delivered to one or more of its\r\nrecipients.", ReasonBounce},
		{"qmail", "From: root@old.example\r\nSubject: failure notice\r\n\r\nHi. This is the qmail-send program at old.example.\r\nI'm afraid I wasn't able to deliver your message.", ReasonBounce},
		{"exchange pt-BR", "From: Microsoft Outlook <MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@cliente.com.br>\r\nSubject: Não é possível entregar: [SUP-1] Erro\r\n\r\n" +
			"A entrega falhou para estes destinatários ou grupos:\r\n\r\nana@cliente.com.br", ReasonBounce},
		{"exchange en wording with subject", "From: Outlook <outlook@tenant.example>\r\nSubject: Undeliverable: Re: [SUP-1]\r\n\r\n" +
			"Your message to ana@x.example couldn't be delivered.\r\nana wasn't found at x.example.", ReasonBounce},
		{"text DSN fields", "From: relay@isp.example\r\nSubject: Delivery report\r\n\r\nReporting-MTA: dns; relay.isp.example\r\n\r\nFinal-Recipient: rfc822; x@y.example\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 no such user", ReasonBounce},
		{"ses via sns", "From: AWS Notifications <no-reply@sns.amazonaws.com>\r\nSubject: AWS Notification Message\r\n\r\n" +
			`{"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bouncedRecipients":[{"emailAddress":"x@y.example"}]}}`, ReasonBounce},
		{"ses complaint json", "From: ops@acme.example\r\nSubject: complaint\r\n\r\n" + `{"notificationType":"Complaint","complaint":{}}`, ReasonFeedback},
		{"arf in mixed", "From: fbl@isp.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nabuse report\r\n--b\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\nUser-Agent: x/1\r\nVersion: 1\r\n--b--", ReasonFeedback},
		{"dsn in mixed", "From: gw@isp.example\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; x\r\n--b--", ReasonBounce},
		{"ooo subject and body", "From: ana@cliente.com.br\r\nSubject: Resposta automática: [SUP-1] Erro\r\n\r\nEstou fora do escritório até 10/12, com acesso limitado ao e-mail.", ReasonAutoReply},
		{"ooo en subject and body", "From: bob@client.example\r\nSubject: Out of Office: your ticket\r\n\r\nI am out of the office until Monday.", ReasonAutoReply},
		{"list notice from robot", "From: Google Groups <groups-noreply@googlegroups.com>\r\nSubject: Message rejected by devs\r\n\r\nYour message was rejected by the group devs: you are not a member.", ReasonMailingList},

		{"vacation filter under Re:", "From: rafael@oficina.com.br\r\nSubject: Re: [SUP-9] Peça\r\n\r\nOlá! Estou de férias até 20/12.\r\nEsta é uma resposta automática configurada no meu computador.", ReasonAutoReply},
		{"esp digest via bounce return-path", "Return-Path: <bounce+1f3a@mg.esp.example>\r\nFrom: ESP <support@esp.example>\r\nSubject: Permanent failures on mg.acme.com.br\r\n\r\nHi there,\r\n\r\nIn the last 24 hours, 14 messages failed permanently.\r\n\r\n  550 5.1.1 The email account does not exist", ReasonBounce},

		// People: never ignored.
		{"person citing an automatic reply", "From: joao@cliente.com.br\r\nSubject: Re: [SUP-9] Peça\r\n\r\nRecebi \"Esta é uma resposta automática\" de vocês, mas ninguém respondeu.", ""},
		{"auto: a car", "From: joao@cliente.com.br\r\nSubject: Auto: meu carro não liga\r\n\r\nO sistema de seguro auto não abre a apólice.", ""},
		{"auto subject, own words", "From: joao@cliente.com.br\r\nSubject: Resposta automática não funciona\r\n\r\nConfigurei a resposta automática e ela não sai.", ""},
		{"forwarded bounce", "From: joao@cliente.com.br\r\nSubject: Fwd: Undelivered Mail Returned to Sender\r\n\r\nOlá, meus e-mails voltam, vejam abaixo.\r\n\r\n" +
			"---------- Forwarded message ---------\r\nThis is the mail system at host mx.example.", ""},
		{"bounce pasted later", "From: joao@cliente.com.br\r\nSubject: E-mails voltando\r\n\r\n" + strings.Repeat("Desde ontem nossos e-mails para clientes voltam com erro. ", 12) +
			"\r\nA mensagem diz: This is the mail system at host mx.example.", ""},
		{"delivery failure in words", "From: ana@loja.com.br\r\nSubject: Falha\r\n\r\nDelivery failure on our invoices since Monday. Your message could not be delivered, says the screen.", ""},
		{"json pasted", "From: dev@cliente.com.br\r\nSubject: Erro na API\r\n\r\n" + `{"error":"timeout","eventType":"Order"}`, ""},
		{"postmaster ltda", "From: \"Postmaster Ltda\" <joao@postmaster.com.br>\r\nSubject: Dúvida\r\n\r\nOi", ""},
		{"autopecas", "From: autopecas@loja.com.br\r\nSubject: Auto: peças\r\n\r\nI will be back on Monday with the list.", ""},
	}
	for _, tc := range tests {
		p, err := Parse([]byte(tc.raw), DefaultLimits())
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := classify(p, ours); got != tc.want {
			t.Errorf("%s: classify = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestSpamVerdict(t *testing.T) {
	for head, want := range map[string]bool{
		"X-Spam-Flag: YES":                         true,
		"X-Spam-Flag: NO":                          false,
		"X-Spam-Status: Yes, score=9.1 required=5": true,
		"X-Spam-Status: No, score=0.1 required=5":  false,
		"X-Spam: Yes":                              true,
		"X-Spam-Level: *****":                      false,
	} {
		p, err := Parse([]byte("From: a@b.com\r\n"+head+"\r\n\r\nx"), DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		if spamVerdict(p) != want {
			t.Errorf("%s: spam = %v", head, !want)
		}
	}
}

func TestClassify(t *testing.T) {
	ours := func(a string) bool { return strings.HasPrefix(a, "suporte") && strings.HasSuffix(a, "@acme.com.br") }
	tests := []struct {
		name, head, want string
	}{
		{"person", "From: a@b.com\r\nSubject: Oi", ""},
		{"auto-submitted no", "From: a@b.com\r\nAuto-Submitted: no", ""},
		{"auto-generated", "From: a@b.com\r\nAuto-Submitted: auto-generated", ReasonAutoReply},
		{"precedence junk", "From: a@b.com\r\nPrecedence: junk", ReasonAutoReply},
		{"precedence list", "From: a@b.com\r\nPrecedence: list", ReasonMailingList},
		{"list-post", "From: a@b.com\r\nList-Post: <mailto:l@x>", ReasonMailingList},
		{"x-autorespond", "From: a@b.com\r\nX-Autorespond: yes", ReasonAutoReply},
		{"null return-path", "Return-Path: <>\r\nFrom: a@b.com", ReasonAutoReply},
		// D12: a subject alone decides nothing.
		{"ooo subject en alone", "From: a@b.com\r\nSubject: Automatic reply: your ticket", ""},
		{"auto: person", "From: a@b.com\r\nSubject: Auto: meu carro não liga", ""},
		{"returned mail subject alone", "From: a@b.com\r\nSubject: Returned mail: see transcript", ""},
		{"x-precedence", "From: a@b.com\r\nX-Precedence: auto_reply", ReasonAutoReply},
		{"x-autoreply no", "From: a@b.com\r\nX-Autoreply: no", ""},
		{"arf", "From: a@b.com\r\nContent-Type: multipart/report; report-type=feedback-report; boundary=x", ReasonFeedback},
		{"post_master", "From: post_master@isp.example", ReasonBounce},
		{"list owner", "From: devs-owner@lists.example.org", ReasonMailingList},
		{"mailman bounces verp", "From: devs-bounces+ana=x.com@lists.example.org", ReasonMailingList},
		{"listserv", "From: LISTSERV@lists.example.edu", ReasonMailingList},
		{"list-id", "From: a@b.com\r\nList-Id: <devs.lists.example.org>", ReasonMailingList},
		{"dsn", "From: a@b.com\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=x", ReasonBounce},
		{"read receipt", "From: a@b.com\r\nContent-Type: multipart/report; report-type=disposition-notification; boundary=x", ReasonAutoReply},
		{"postmaster", "From: Postmaster@b.com", ReasonBounce},
		{"failed recipients", "From: a@b.com\r\nX-Failed-Recipients: c@d", ReasonBounce},
		{"our own plus address", "From: suporte+SUP-1@acme.com.br", ReasonLoop},
		{"our header", "From: a@b.com\r\nX-Ticketgw-Ticket: SUP-1", ReasonLoop},
		{"no from", "Subject: scan", ReasonNoSender},
		{"unparseable from", "From: scanner", ReasonNoSender},
	}
	for _, tc := range tests {
		p, err := Parse([]byte(tc.head+"\r\n\r\nbody\r\n"), DefaultLimits())
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := classify(p, ours); got != tc.want {
			t.Errorf("%s: classify = %q, want %q", tc.name, got, tc.want)
		}
	}
}
