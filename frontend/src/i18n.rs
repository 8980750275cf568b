//! Every text the interface shows, one table per language.
//!
//! Templates mark their values with `{name}`; [`fill`] puts them in.

/// The interface languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Brazilian Portuguese.
    PtBr,
}

impl Lang {
    /// Every language, in the order the language menu lists them.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::PtBr];

    /// The BCP 47 tag (`<html lang>`, the menu's value, what is remembered).
    pub fn tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::PtBr => "pt-BR",
        }
    }

    /// The language's own name.
    pub fn name(self) -> &'static str {
        match self {
            Self::En => "English",
            Self::PtBr => "Português (Brasil)",
        }
    }

    /// The language for a browser language tag: any Portuguese gets pt-BR, the rest English.
    pub fn from_tag(tag: &str) -> Option<Self> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "pt" => Some(Self::PtBr),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// The first supported language among the browser's preferences, else English.
    pub fn pick<'a>(preferences: impl IntoIterator<Item = &'a str>) -> Self {
        preferences
            .into_iter()
            .find_map(Self::from_tag)
            .unwrap_or_default()
    }

    /// This language's texts.
    pub fn texts(self) -> &'static Texts {
        match self {
            Self::En => &EN,
            Self::PtBr => &PT_BR,
        }
    }
}

/// Puts values into a template: `fill("{n} tasks", &[("n", "3")])` is "3 tasks".
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (key, value) in values {
        out = out.replace(&format!("{{{key}}}"), value);
    }
    out
}

/// A text in its singular and its plural form, each with `{n}` where the number goes.
pub type Forms = (&'static str, &'static str);

/// Which counts a language words in the singular (CLDR's cardinal "one" category, for the
/// whole numbers the app counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PluralRule {
    /// English: "1 task", "0 tasks", "2 tasks".
    OneIsSingular,
    /// Portuguese (Brazil): "0 tarefa", "1 tarefa", "2 tarefas" (CLDR `pt`: `i = 0..1`).
    ZeroAndOneAreSingular,
}

/// Whether `n` takes the singular form under `rule`.
pub fn singular(rule: PluralRule, n: u64) -> bool {
    match rule {
        PluralRule::OneIsSingular => n == 1,
        PluralRule::ZeroAndOneAreSingular => n <= 1,
    }
}

/// The interface's texts in one language.
#[allow(missing_docs)] // The field names say what each text is for.
#[derive(Debug)]
pub struct Texts {
    /// Which numbers take the singular form ([`Texts::plural`]).
    pub plural_rule: PluralRule,
    pub page_title: &'static str,
    /// The first screen's heading: what the app is for.
    pub pitch: &'static str,
    pub tagline: &'static str,
    pub privacy: &'static str,
    pub language: &'static str,
    pub drop_zone: &'static str,
    pub drop_hint: &'static str,
    pub drop_overlay: &'static str,
    pub files_heading: &'static str,
    pub no_files: &'static str,
    pub queued: &'static str,
    pub converting: &'static str,
    pub done: &'static str,
    pub failed: &'static str,
    /// The badge of a file that waits for the user's choice before it is sent to the server.
    pub asking: &'static str,
    /// The badge of a file the user chose not to send.
    pub skipped: &'static str,
    pub format: &'static str,
    pub template: &'static str,
    pub saved_by: &'static str,
    /// Saved by "Microsoft Project 9.0": the MPP9 generation, which 2000, 2002 and 2003 write.
    pub product_2000_2003: &'static str,
    /// Saved by "Microsoft.Project 16.0": 2016, 2019, 2021 and Project for the web/365.
    pub product_2016_later: &'static str,
    pub size: &'static str,
    pub progress_label: &'static str,
    /// `{ms}` is the time taken, already formatted.
    pub took: &'static str,
    /// `{n}`; singular and plural ([`Texts::plural`]).
    pub count_tasks: Forms,
    pub count_resources: Forms,
    pub count_assignments: Forms,
    pub count_calendars: Forms,
    /// `{n}`.
    pub warnings_one: &'static str,
    pub warnings_many: &'static str,
    pub download_xml: &'static str,
    pub download_zip: &'static str,
    pub zip_hint: &'static str,
    pub show_preview: &'static str,
    pub remove_all: &'static str,
    pub preview_heading: &'static str,
    pub preview_empty: &'static str,
    pub tasks_heading: &'static str,
    pub gantt_heading: &'static str,
    /// `{n}`.
    pub gantt_label: &'static str,
    pub resources_heading: &'static str,
    pub no_resources: &'static str,
    pub no_tasks: &'static str,
    /// `{shown}`, `{total}`.
    pub showing_first: &'static str,
    pub col_id: &'static str,
    pub col_name: &'static str,
    pub col_duration: &'static str,
    pub col_start: &'static str,
    pub col_finish: &'static str,
    pub col_complete: &'static str,
    pub col_resources: &'static str,
    pub col_type: &'static str,
    pub col_max_units: &'static str,
    pub type_work: &'static str,
    pub type_material: &'static str,
    pub type_cost: &'static str,
    pub status_loading: &'static str,
    pub status_ready: &'static str,
    /// `{name}`.
    pub status_converting: &'static str,
    /// `{n}`: the parts of the status line once nothing converts, joined by commas.
    pub status_converted: Forms,
    pub status_failed: Forms,
    pub status_skipped: Forms,
    pub status_asking: Forms,
    pub update_ready: &'static str,
    pub reload: &'static str,
    pub offline_ready: &'static str,
    /// The summary of the engine's or the server's own sentence, which is in English.
    pub error_details: &'static str,
    pub err_not_mpp: &'static str,
    pub err_unsupported: &'static str,
    pub err_password: &'static str,
    pub err_truncated: &'static str,
    pub err_corrupt: &'static str,
    pub err_too_large: &'static str,
    pub err_write: &'static str,
    pub err_cancelled: &'static str,
    /// A file whose structures ask for far more memory, work or XML than its size allows.
    pub err_budget: &'static str,
    pub err_read: &'static str,
    pub err_crash: &'static str,
    pub err_other: &'static str,
    /// `{limit}`: the browser limit; said when the server converts larger files.
    pub privacy_fallback: &'static str,
    /// `{limit}`.
    pub notice_size: &'static str,
    pub notice_memory: &'static str,
    /// `{limit}`: asked before a file above the browser limit is sent.
    pub consent_size: &'static str,
    /// Asked before a file the browser ran out of memory on is sent.
    pub consent_memory: &'static str,
    /// What sending means for the file, said with the question.
    pub consent_privacy: &'static str,
    pub consent_send: &'static str,
    pub consent_skip: &'static str,
    pub consent_remember: &'static str,
    /// On the card of a file not sent.
    pub consent_skipped: &'static str,
    /// In the footer while a choice is remembered.
    pub consent_always_send: &'static str,
    pub consent_always_skip: &'static str,
    pub consent_forget: &'static str,
    /// `{ms}`.
    pub took_server: &'static str,
    pub preview_server: &'static str,
    pub stage_uploading: &'static str,
    pub stage_server: &'static str,
    pub stage_downloading: &'static str,
    pub err_unreachable: &'static str,
    pub err_server_too_large: &'static str,
    /// `{max}`.
    pub err_server_too_large_max: &'static str,
    /// `{wait}` is one of the `wait_*` texts.
    pub err_rate_limited: &'static str,
    /// `{wait}`.
    pub err_busy: &'static str,
    pub err_timeout: &'static str,
    pub err_server: &'static str,
    /// `{s}`.
    pub wait_seconds: &'static str,
    pub wait_one_second: &'static str,
    pub wait_moment: &'static str,
    pub stage_container: &'static str,
    pub stage_properties: &'static str,
    pub stage_calendars: &'static str,
    pub stage_custom_fields: &'static str,
    pub stage_resources: &'static str,
    pub stage_tasks: &'static str,
    pub stage_links: &'static str,
    pub stage_assignments: &'static str,
    pub stage_writing: &'static str,
    pub stage_done: &'static str,
    pub pro_heading: &'static str,
    pub pro_free: &'static str,
    /// `{plan}`, `{date}`.
    pub pro_active: &'static str,
    /// `{plan}`, `{date}`.
    pub pro_expired: &'static str,
    /// `{reason}`: one of the `token_*` texts.
    pub pro_invalid: &'static str,
    pub pro_revoked: &'static str,
    pub pro_refused_expired: &'static str,
    pub pro_refused_invalid: &'static str,
    pub buy_pro: &'static str,
    pub buy_opening: &'static str,
    pub checkout_waiting: &'static str,
    pub checkout_activated: &'static str,
    pub checkout_cancelled: &'static str,
    pub pay_unreachable: &'static str,
    pub pay_not_configured: &'static str,
    pub pay_provider: &'static str,
    pub pay_rate_limited: &'static str,
    pub pay_unknown_session: &'static str,
    pub pay_bad_token: &'static str,
    pub pay_not_confirmed: &'static str,
    pub pay_other: &'static str,
    pub paste_summary: &'static str,
    pub paste_label: &'static str,
    pub paste_hint: &'static str,
    pub paste_apply: &'static str,
    pub paste_empty: &'static str,
    pub token_malformed: &'static str,
    pub token_signature: &'static str,
    /// `{date}`.
    pub token_expired: &'static str,
    pub token_key: &'static str,
    /// `{site}`: the site a licence was issued for, not this one.
    pub token_audience: &'static str,
    pub token_old: &'static str,
    pub remove_licence: &'static str,
    pub licence_removed: &'static str,
    pub show_token: &'static str,
    pub token_label: &'static str,
    pub locked_batch: &'static str,
    /// `{limit}`.
    pub locked_size: &'static str,
    pub locked_memory: &'static str,
    pub needs_pro: &'static str,
    pub zip_pro_hint: &'static str,
    /// `{n}`.
    pub status_locked: Forms,
    pub refused_required: &'static str,
    pub refused_invalid: &'static str,
    pub refused_expired: &'static str,
    pub refused_revoked: &'static str,
    pub refused_feature: &'static str,
    /// Duration units: singular, plural.
    pub unit_min: (&'static str, &'static str),
    pub unit_hour: (&'static str, &'static str),
    pub unit_day: (&'static str, &'static str),
    pub unit_week: (&'static str, &'static str),
    pub unit_month: (&'static str, &'static str),
    /// Put after an elapsed unit ("edays" in Project's English).
    pub elapsed: &'static str,
    pub decimal_separator: char,
    pub months: [&'static str; 12],
}

/// English.
pub static EN: Texts = Texts {
    plural_rule: PluralRule::OneIsSingular,
    page_title: "mpp2xml — Microsoft Project files to XML",
    pitch: "Open and convert .mpp files without Microsoft Project",
    tagline: "Convert Microsoft Project files (.mpp, .mpt) to Microsoft Project XML, right in your browser.",
    privacy: "Your files are converted on this device. Nothing is uploaded.",
    language: "Language",
    drop_zone: "Choose .mpp or .mpt files",
    drop_hint: "or drop them anywhere on this page. Several files at once are fine.",
    drop_overlay: "Drop the files to convert them",
    files_heading: "Files",
    no_files: "No files yet.",
    queued: "Waiting",
    converting: "Converting",
    done: "Converted",
    failed: "Failed",
    asking: "Your choice",
    skipped: "Skipped",
    format: "Format",
    template: "template",
    saved_by: "Saved by",
    product_2000_2003: "Project 2000–2003",
    product_2016_later: "Project 2016 or later",
    size: "Size",
    progress_label: "Progress",
    took: "Converted in {ms}",
    count_tasks: ("{n} task", "{n} tasks"),
    count_resources: ("{n} resource", "{n} resources"),
    count_assignments: ("{n} assignment", "{n} assignments"),
    count_calendars: ("{n} calendar", "{n} calendars"),
    warnings_one: "1 warning",
    warnings_many: "{n} warnings",
    download_xml: "Download XML",
    download_zip: "Download all as ZIP",
    zip_hint: "Available when two or more files are converted.",
    show_preview: "Preview",
    remove_all: "Clear list",
    preview_heading: "Preview",
    preview_empty: "Convert a file to see its tasks, a Gantt chart and its resources here.",
    tasks_heading: "Tasks",
    gantt_heading: "Gantt chart",
    gantt_label: "Gantt chart of the first {n} tasks",
    resources_heading: "Resources",
    no_resources: "This project has no resources.",
    no_tasks: "This project has no tasks.",
    showing_first: "Showing the first {shown} of {total}.",
    col_id: "ID",
    col_name: "Name",
    col_duration: "Duration",
    col_start: "Start",
    col_finish: "Finish",
    col_complete: "% Complete",
    col_resources: "Resource names",
    col_type: "Type",
    col_max_units: "Max. units",
    type_work: "Work",
    type_material: "Material",
    type_cost: "Cost",
    status_loading: "Loading the converter…",
    status_ready: "Ready. Choose or drop Microsoft Project files to convert them.",
    status_converting: "Converting {name}…",
    status_converted: ("{n} file converted", "{n} files converted"),
    status_failed: ("{n} file failed", "{n} files failed"),
    status_skipped: ("{n} file skipped", "{n} files skipped"),
    status_asking: (
        "{n} file waits for your choice",
        "{n} files wait for your choice",
    ),
    update_ready: "A new version of mpp2xml is ready.",
    reload: "Reload",
    offline_ready: "This page also opens without internet on this device.",
    error_details: "Technical details",
    err_not_mpp: "This file is not a Microsoft Project plan, even though its name may end in .mpp: it is another kind of file, perhaps renamed. Ask for the plan as Microsoft Project saved it.",
    err_unsupported: "This plan was saved by a version of Microsoft Project this app cannot read (such as Project 95). Open it in Project 98 or later, save it again and convert the new file.",
    err_password: "The plan is protected by a password. Open it in Microsoft Project, save a copy without a password and convert that copy.",
    err_truncated: "The file ends too early: it was probably cut short while it was downloaded, copied or attached. Get the file again and try once more.",
    err_corrupt: "The file is damaged, so it could not be read. If Microsoft Project still opens it, save it again there and convert the new file.",
    err_too_large: "The file is larger than the converter accepts.",
    err_write: "The XML could not be written. Try again.",
    err_cancelled: "The conversion took too long and was stopped.",
    err_budget: "The file asks for far more memory or work than a project of its size needs, so it was not converted; it is probably damaged.",
    err_read: "The file could not be read from your device.",
    err_crash: "The converter stopped unexpectedly on this file. The other files are not affected.",
    err_other: "The file could not be converted.",
    privacy_fallback: "Files up to {limit} are converted on this device and never uploaded. A larger file is sent to this site's server to convert only if you choose to. After each conversion on this device the app tells the server only the result, the format version, a size range and the time taken, never a file's name or content.",
    notice_size: "Sent to this site's server to convert, because it is larger than {limit}, the most this app converts in your browser. Only this file is sent.",
    notice_memory: "Your browser ran out of memory on this file, so it was sent to this site's server to convert instead. Only this file is sent.",
    consent_size: "This file is larger than {limit}, the most this app converts in your browser.",
    consent_memory: "Your browser ran out of memory on this file.",
    consent_privacy: "Our server can convert it: the file is sent over the internet to this site, converted in memory and not kept. Nothing is sent unless you choose to.",
    consent_send: "Convert on our server",
    consent_skip: "Skip",
    consent_remember: "Don't ask again on this device",
    consent_skipped: "Not converted: you chose to keep this file on this device, so it was not sent.",
    consent_always_send: "Files too large for your browser are sent to our server without asking, as you chose on this device.",
    consent_always_skip: "Files too large for your browser are skipped without asking, as you chose on this device.",
    consent_forget: "Ask me each time",
    took_server: "Converted on the server in {ms}",
    preview_server: "This file was converted on the server, which reports only these counts. The full preview (tasks, Gantt chart, resources) is shown for files converted in your browser.",
    stage_uploading: "sending to the server",
    stage_server: "converting on the server",
    stage_downloading: "receiving the XML",
    err_unreachable: "The server could not be reached, so this file was not converted. Check your connection and try again.",
    err_server_too_large: "This file is too large even for the server.",
    err_server_too_large_max: "This file is too large even for the server (the limit is {max}).",
    err_rate_limited: "The server has received too many files from you just now. Try again {wait}.",
    err_busy: "The server is busy. Try again {wait}.",
    err_timeout: "The server took too long to convert this file.",
    err_server: "The server could not convert this file.",
    wait_seconds: "in {s} seconds",
    wait_one_second: "in 1 second",
    wait_moment: "in a moment",
    stage_container: "opening the file",
    stage_properties: "reading project properties",
    stage_calendars: "reading calendars",
    stage_custom_fields: "reading custom fields",
    stage_resources: "reading resources",
    stage_tasks: "reading tasks",
    stage_links: "reading links",
    stage_assignments: "reading assignments",
    stage_writing: "writing XML",
    stage_done: "done",
    pro_heading: "mpp2xml Pro",
    pro_free: "You are on the free plan: one file at a time, converted in your browser. Pro converts several files at once with a ZIP download, converts large files on this site's server, and lets your own programs use the API.",
    pro_active: "Pro licence active on this device: plan {plan}, valid until {date}.",
    pro_expired: "Your {plan} licence expired on {date}, so the Pro features are off. Buy Pro again to turn them back on.",
    pro_invalid: "The licence stored on this device cannot be used: {reason} The Pro features are off.",
    pro_revoked: "This site's server says your licence was revoked (after a refund or a cancelled subscription), so the Pro features are off.",
    pro_refused_expired: "This site's server says your licence has expired, so the Pro features are off.",
    pro_refused_invalid: "This site's server did not accept your licence, so the Pro features are off. Paste the licence again, or remove it.",
    buy_pro: "Buy Pro",
    buy_opening: "Opening the secure payment page…",
    checkout_waiting: "Thank you! Waiting for the payment confirmation to activate Pro… This usually takes a few seconds.",
    checkout_activated: "Pro activated. Several files at once, the ZIP download and server conversion are unlocked on this device, also offline.",
    checkout_cancelled: "The payment was cancelled and nothing was charged. You can keep using the free plan, and buy Pro whenever you like.",
    pay_unreachable: "The server could not be reached. Check your connection and try again.",
    pay_not_configured: "Payments are not available on this site right now.",
    pay_provider: "The payment provider could not be reached. Try again in a moment.",
    pay_rate_limited: "Too many requests from you just now. Try again in a minute.",
    pay_unknown_session: "This payment could not be found. If you paid, contact this site with the receipt you got by email.",
    pay_bad_token: "The licence for this payment could not be verified by this version of the app. Reload the page to get the latest version.",
    pay_not_confirmed: "The payment confirmation has not arrived yet. If you paid, reload this page in a few minutes: your licence will be activated then.",
    pay_other: "Something went wrong on the server. Try again in a moment.",
    paste_summary: "Use a licence you already have",
    paste_label: "Licence token",
    paste_hint: "Paste the licence token from the device where you bought Pro (shown there under “Show the licence token”).",
    paste_apply: "Use this licence",
    paste_empty: "Paste a licence token first.",
    token_malformed: "This is not an mpp2xml licence token. It may be cut short: paste all of it.",
    token_signature: "This licence token is not valid: it was changed, or it was not issued by this site.",
    token_expired: "This licence expired on {date}.",
    token_key: "This app cannot check licences.",
    token_audience: "This licence was issued for another site ({site}), so it cannot be used here.",
    token_old: "This licence token is from an earlier version of mpp2xml that did not name its site, so it cannot be used here.",
    remove_licence: "Remove the licence from this device",
    licence_removed: "The licence was removed from this device.",
    show_token: "Show the licence token",
    token_label: "Your licence token (copy it to use Pro on another device)",
    locked_batch: "Converting several files at once is part of mpp2xml Pro. On the free plan the first file converts: add this one on its own to convert it, or buy Pro.",
    locked_size: "This file is larger than {limit}, the most this app converts in your browser. Converting large files on the server is part of mpp2xml Pro, so it was not sent.",
    locked_memory: "Your browser ran out of memory on this file. Converting it on the server is part of mpp2xml Pro, so it was not sent.",
    needs_pro: "Needs Pro",
    zip_pro_hint: "Several files at once and the ZIP download are part of mpp2xml Pro.",
    status_locked: ("{n} needs Pro", "{n} need Pro"),
    refused_required: "This site's server converts large files only with a Pro licence, so this file was not converted.",
    refused_invalid: "This site's server did not accept your licence, so this file was not converted.",
    refused_expired: "Your Pro licence has expired, so this site's server did not convert this file.",
    refused_revoked: "Your Pro licence was revoked (after a refund or a cancelled subscription), so this site's server did not convert this file.",
    refused_feature: "Your licence does not include server conversion, so this file was not converted.",
    unit_min: ("min", "mins"),
    unit_hour: ("hr", "hrs"),
    unit_day: ("day", "days"),
    unit_week: ("wk", "wks"),
    unit_month: ("mon", "mons"),
    elapsed: " (elapsed)",
    decimal_separator: '.',
    months: [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ],
};

/// Brazilian Portuguese.
pub static PT_BR: Texts = Texts {
    plural_rule: PluralRule::ZeroAndOneAreSingular,
    page_title: "mpp2xml — arquivos do Microsoft Project em XML",
    pitch: "Abra e converta arquivos .mpp sem o Microsoft Project",
    tagline: "Converta arquivos do Microsoft Project (.mpp, .mpt) em XML do Microsoft Project, direto no navegador.",
    privacy: "Seus arquivos são convertidos neste dispositivo. Nada é enviado.",
    language: "Idioma",
    drop_zone: "Escolher arquivos .mpp ou .mpt",
    drop_hint: "ou solte-os em qualquer lugar desta página. Vários arquivos de uma vez, sem problema.",
    drop_overlay: "Solte os arquivos para convertê-los",
    files_heading: "Arquivos",
    no_files: "Nenhum arquivo ainda.",
    queued: "Aguardando",
    converting: "Convertendo",
    done: "Convertido",
    failed: "Falhou",
    asking: "Sua escolha",
    skipped: "Ignorado",
    format: "Formato",
    template: "modelo",
    saved_by: "Salvo por",
    product_2000_2003: "Project 2000–2003",
    product_2016_later: "Project 2016 ou posterior",
    size: "Tamanho",
    progress_label: "Progresso",
    took: "Convertido em {ms}",
    count_tasks: ("{n} tarefa", "{n} tarefas"),
    count_resources: ("{n} recurso", "{n} recursos"),
    count_assignments: ("{n} atribuição", "{n} atribuições"),
    count_calendars: ("{n} calendário", "{n} calendários"),
    warnings_one: "1 aviso",
    warnings_many: "{n} avisos",
    download_xml: "Baixar XML",
    download_zip: "Baixar todos em ZIP",
    zip_hint: "Disponível quando dois ou mais arquivos forem convertidos.",
    show_preview: "Visualizar",
    remove_all: "Limpar lista",
    preview_heading: "Visualização",
    preview_empty: "Converta um arquivo para ver aqui as tarefas, um gráfico de Gantt e os recursos.",
    tasks_heading: "Tarefas",
    gantt_heading: "Gráfico de Gantt",
    gantt_label: "Gráfico de Gantt das primeiras {n} tarefas",
    resources_heading: "Recursos",
    no_resources: "Este projeto não tem recursos.",
    no_tasks: "Este projeto não tem tarefas.",
    showing_first: "Mostrando as primeiras {shown} de {total}.",
    col_id: "Id",
    col_name: "Nome",
    col_duration: "Duração",
    col_start: "Início",
    col_finish: "Término",
    col_complete: "% concluída",
    col_resources: "Nomes dos recursos",
    col_type: "Tipo",
    col_max_units: "Unidades máx.",
    type_work: "Trabalho",
    type_material: "Material",
    type_cost: "Custo",
    status_loading: "Carregando o conversor…",
    status_ready: "Pronto. Escolha ou solte arquivos do Microsoft Project para convertê-los.",
    status_converting: "Convertendo {name}…",
    status_converted: ("{n} arquivo convertido", "{n} arquivos convertidos"),
    status_failed: ("{n} arquivo com falha", "{n} arquivos com falha"),
    status_skipped: ("{n} arquivo ignorado", "{n} arquivos ignorados"),
    status_asking: (
        "{n} arquivo aguarda sua escolha",
        "{n} arquivos aguardam sua escolha",
    ),
    update_ready: "Uma nova versão do mpp2xml está pronta.",
    reload: "Recarregar",
    offline_ready: "Esta página também abre sem internet neste dispositivo.",
    error_details: "Detalhes técnicos (em inglês)",
    err_not_mpp: "Este arquivo não é um plano do Microsoft Project, mesmo que o nome termine em .mpp: é outro tipo de arquivo, talvez renomeado. Peça o plano como o Microsoft Project o salvou.",
    err_unsupported: "Este plano foi salvo por uma versão do Microsoft Project que este app não lê (como o Project 95). Abra-o no Project 98 ou posterior, salve-o de novo e converta o novo arquivo.",
    err_password: "O plano está protegido por senha. Abra-o no Microsoft Project, salve uma cópia sem senha e converta essa cópia.",
    err_truncated: "O arquivo termina antes do esperado: provavelmente foi cortado ao ser baixado, copiado ou anexado. Obtenha o arquivo de novo e tente outra vez.",
    err_corrupt: "O arquivo está danificado e não pôde ser lido. Se o Microsoft Project ainda conseguir abri-lo, salve-o de novo lá e converta o novo arquivo.",
    err_too_large: "O arquivo é maior do que o conversor aceita.",
    err_write: "Não foi possível gravar o XML. Tente de novo.",
    err_cancelled: "A conversão demorou demais e foi interrompida.",
    err_budget: "O arquivo pede muito mais memória ou processamento do que um projeto do seu tamanho precisa, então não foi convertido; provavelmente está danificado.",
    err_read: "Não foi possível ler o arquivo do seu dispositivo.",
    err_crash: "O conversor parou inesperadamente neste arquivo. Os outros arquivos não são afetados.",
    err_other: "Não foi possível converter o arquivo.",
    privacy_fallback: "Arquivos de até {limit} são convertidos neste dispositivo e nunca enviados. Um arquivo maior só é enviado ao servidor deste site para conversão se você escolher. Depois de cada conversão neste dispositivo, o app informa ao servidor só o resultado, a versão do formato, uma faixa de tamanho e o tempo gasto, nunca o nome ou o conteúdo de um arquivo.",
    notice_size: "Enviado ao servidor deste site para conversão, porque é maior que {limit}, o máximo que este app converte no navegador. Só este arquivo é enviado.",
    notice_memory: "O navegador ficou sem memória com este arquivo, então ele foi enviado ao servidor deste site para ser convertido lá. Só este arquivo é enviado.",
    consent_size: "Este arquivo é maior que {limit}, o máximo que este app converte no navegador.",
    consent_memory: "O navegador ficou sem memória com este arquivo.",
    consent_privacy: "Nosso servidor pode convertê-lo: o arquivo é enviado pela internet a este site, convertido na memória e não é guardado. Nada é enviado sem a sua escolha.",
    consent_send: "Converter no nosso servidor",
    consent_skip: "Ignorar",
    consent_remember: "Não perguntar de novo neste dispositivo",
    consent_skipped: "Não convertido: você escolheu manter este arquivo neste dispositivo, então ele não foi enviado.",
    consent_always_send: "Arquivos grandes demais para o navegador são enviados ao nosso servidor sem perguntar, como você escolheu neste dispositivo.",
    consent_always_skip: "Arquivos grandes demais para o navegador são ignorados sem perguntar, como você escolheu neste dispositivo.",
    consent_forget: "Perguntar sempre",
    took_server: "Convertido no servidor em {ms}",
    preview_server: "Este arquivo foi convertido no servidor, que informa só estas contagens. A visualização completa (tarefas, gráfico de Gantt, recursos) aparece para arquivos convertidos no navegador.",
    stage_uploading: "enviando ao servidor",
    stage_server: "convertendo no servidor",
    stage_downloading: "recebendo o XML",
    err_unreachable: "Não foi possível contatar o servidor, então este arquivo não foi convertido. Verifique sua conexão e tente de novo.",
    err_server_too_large: "Este arquivo é grande demais até para o servidor.",
    err_server_too_large_max: "Este arquivo é grande demais até para o servidor (o limite é {max}).",
    err_rate_limited: "O servidor recebeu arquivos demais seus agora há pouco. Tente de novo {wait}.",
    err_busy: "O servidor está ocupado. Tente de novo {wait}.",
    err_timeout: "O servidor demorou demais para converter este arquivo.",
    err_server: "O servidor não conseguiu converter este arquivo.",
    wait_seconds: "em {s} segundos",
    wait_one_second: "em 1 segundo",
    wait_moment: "daqui a pouco",
    stage_container: "abrindo o arquivo",
    stage_properties: "lendo as propriedades do projeto",
    stage_calendars: "lendo os calendários",
    stage_custom_fields: "lendo os campos personalizados",
    stage_resources: "lendo os recursos",
    stage_tasks: "lendo as tarefas",
    stage_links: "lendo as vinculações",
    stage_assignments: "lendo as atribuições",
    stage_writing: "gravando o XML",
    stage_done: "concluído",
    pro_heading: "mpp2xml Pro",
    pro_free: "Você está no plano gratuito: um arquivo por vez, convertido no navegador. O Pro converte vários arquivos de uma vez com download em ZIP, converte arquivos grandes no servidor deste site e deixa seus próprios programas usarem a API.",
    pro_active: "Licença Pro ativa neste dispositivo: plano {plan}, válida até {date}.",
    pro_expired: "Sua licença {plan} expirou em {date}, então os recursos Pro estão desligados. Compre o Pro de novo para religá-los.",
    pro_invalid: "A licença guardada neste dispositivo não pode ser usada: {reason} Os recursos Pro estão desligados.",
    pro_revoked: "O servidor deste site informa que sua licença foi revogada (após um reembolso ou uma assinatura cancelada), então os recursos Pro estão desligados.",
    pro_refused_expired: "O servidor deste site informa que sua licença expirou, então os recursos Pro estão desligados.",
    pro_refused_invalid: "O servidor deste site não aceitou sua licença, então os recursos Pro estão desligados. Cole a licença de novo ou remova-a.",
    buy_pro: "Comprar o Pro",
    buy_opening: "Abrindo a página de pagamento segura…",
    checkout_waiting: "Obrigado! Aguardando a confirmação do pagamento para ativar o Pro… Isso costuma levar poucos segundos.",
    checkout_activated: "Pro ativado. Vários arquivos de uma vez, o download em ZIP e a conversão no servidor estão liberados neste dispositivo, também sem internet.",
    checkout_cancelled: "O pagamento foi cancelado e nada foi cobrado. Você pode continuar no plano gratuito e comprar o Pro quando quiser.",
    pay_unreachable: "Não foi possível contatar o servidor. Verifique sua conexão e tente de novo.",
    pay_not_configured: "Os pagamentos não estão disponíveis neste site agora.",
    pay_provider: "Não foi possível contatar o provedor de pagamento. Tente de novo daqui a pouco.",
    pay_rate_limited: "Pedidos demais seus agora há pouco. Tente de novo daqui a um minuto.",
    pay_unknown_session: "Este pagamento não foi encontrado. Se você pagou, fale com este site usando o recibo que recebeu por e-mail.",
    pay_bad_token: "A licença deste pagamento não pôde ser verificada por esta versão do app. Recarregue a página para obter a versão mais recente.",
    pay_not_confirmed: "A confirmação do pagamento ainda não chegou. Se você pagou, recarregue esta página em alguns minutos: sua licença será ativada então.",
    pay_other: "Algo deu errado no servidor. Tente de novo daqui a pouco.",
    paste_summary: "Usar uma licença que você já tem",
    paste_label: "Token da licença",
    paste_hint: "Cole o token da licença do dispositivo onde você comprou o Pro (ele aparece lá em “Mostrar o token da licença”).",
    paste_apply: "Usar esta licença",
    paste_empty: "Cole primeiro um token de licença.",
    token_malformed: "Isto não é um token de licença do mpp2xml. Ele pode estar incompleto: cole-o inteiro.",
    token_signature: "Este token de licença não é válido: foi alterado ou não foi emitido por este site.",
    token_expired: "Esta licença expirou em {date}.",
    token_key: "Este app não consegue verificar licenças.",
    token_audience: "Esta licença foi emitida para outro site ({site}), por isso não pode ser usada aqui.",
    token_old: "Este token de licença é de uma versão anterior do mpp2xml que não indicava o site, por isso não pode ser usado aqui.",
    remove_licence: "Remover a licença deste dispositivo",
    licence_removed: "A licença foi removida deste dispositivo.",
    show_token: "Mostrar o token da licença",
    token_label: "Seu token de licença (copie-o para usar o Pro em outro dispositivo)",
    locked_batch: "Converter vários arquivos de uma vez faz parte do mpp2xml Pro. No plano gratuito o primeiro arquivo é convertido: adicione este sozinho para convertê-lo, ou compre o Pro.",
    locked_size: "Este arquivo é maior que {limit}, o máximo que este app converte no navegador. Converter arquivos grandes no servidor faz parte do mpp2xml Pro, então ele não foi enviado.",
    locked_memory: "O navegador ficou sem memória com este arquivo. Convertê-lo no servidor faz parte do mpp2xml Pro, então ele não foi enviado.",
    needs_pro: "Requer o Pro",
    zip_pro_hint: "Vários arquivos de uma vez e o download em ZIP fazem parte do mpp2xml Pro.",
    status_locked: ("{n} requer o Pro", "{n} requerem o Pro"),
    refused_required: "O servidor deste site só converte arquivos grandes com uma licença Pro, então este arquivo não foi convertido.",
    refused_invalid: "O servidor deste site não aceitou sua licença, então este arquivo não foi convertido.",
    refused_expired: "Sua licença Pro expirou, então o servidor deste site não converteu este arquivo.",
    refused_revoked: "Sua licença Pro foi revogada (após um reembolso ou uma assinatura cancelada), então o servidor deste site não converteu este arquivo.",
    refused_feature: "Sua licença não inclui a conversão no servidor, então este arquivo não foi convertido.",
    unit_min: ("min", "mins"),
    unit_hour: ("hora", "horas"),
    unit_day: ("dia", "dias"),
    unit_week: ("sem", "sems"),
    unit_month: ("mês", "meses"),
    elapsed: " (decorrido)",
    decimal_separator: ',',
    months: [
        "jan", "fev", "mar", "abr", "mai", "jun", "jul", "ago", "set", "out", "nov", "dez",
    ],
};

impl Texts {
    /// `n` with the form of `forms` this language uses for it: `plural(1, count_tasks)` is
    /// "1 task", `plural(2, …)` "2 tasks".
    pub fn plural(&self, n: u64, forms: Forms) -> String {
        let (one, other) = forms;
        let form = if singular(self.plural_rule, n) {
            one
        } else {
            other
        };
        fill(form, &[("n", &n.to_string())])
    }

    /// The advice for an engine error kind (`ConvertError::kind`, as the worker and the
    /// server's problem report it): what went wrong and what to do, in this language.
    pub fn error(&self, kind: &str) -> &'static str {
        match kind {
            "not_mpp" => self.err_not_mpp,
            "unsupported_version" => self.err_unsupported,
            "password_protected" => self.err_password,
            "truncated" => self.err_truncated,
            "corrupt" => self.err_corrupt,
            "too_large" => self.err_too_large,
            "write" => self.err_write,
            "cancelled" => self.err_cancelled,
            "memory_budget" | "work_budget" | "output_budget" => self.err_budget,
            "read" => self.err_read,
            "crash" => self.err_crash,
            _ => self.err_other,
        }
    }

    /// A progress stage's name (`Stage::name` in the engine).
    pub fn stage(&self, stage: &str) -> &'static str {
        match stage {
            "container" => self.stage_container,
            "properties" => self.stage_properties,
            "calendars" => self.stage_calendars,
            "custom fields" => self.stage_custom_fields,
            "resources" => self.stage_resources,
            "tasks" => self.stage_tasks,
            "links" => self.stage_links,
            "assignments" => self.stage_assignments,
            "writing" => self.stage_writing,
            "uploading" => self.stage_uploading,
            "server" => self.stage_server,
            "downloading" => self.stage_downloading,
            _ => self.stage_done,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_languages_pick_the_interface() {
        assert_eq!(Lang::pick(["pt-BR", "en"]), Lang::PtBr);
        assert_eq!(Lang::pick(["pt_PT"]), Lang::PtBr);
        assert_eq!(Lang::pick(["de-DE", "en-GB"]), Lang::En);
        assert_eq!(Lang::pick(["fr"]), Lang::En);
        assert_eq!(Lang::pick([]), Lang::En);
        for lang in Lang::ALL {
            assert_eq!(Lang::from_tag(lang.tag()), Some(lang));
        }
    }

    #[test]
    fn templates_fill_in_their_values() {
        assert_eq!(fill(EN.took, &[("ms", "1.2 s")]), "Converted in 1.2 s");
    }

    #[test]
    fn plurals_follow_each_language() {
        assert_eq!(EN.plural(1, EN.count_assignments), "1 assignment");
        assert_eq!(EN.plural(0, EN.count_assignments), "0 assignments");
        assert_eq!(EN.plural(2, EN.count_tasks), "2 tasks");
        assert_eq!(PT_BR.plural(1, PT_BR.count_assignments), "1 atribuição");
        assert_eq!(PT_BR.plural(0, PT_BR.count_tasks), "0 tarefa");
        assert_eq!(PT_BR.plural(3, PT_BR.count_calendars), "3 calendários");
        assert_eq!(EN.plural(1, EN.status_locked), "1 needs Pro");
        assert_eq!(PT_BR.plural(2, PT_BR.status_locked), "2 requerem o Pro");
    }

    /// Each error kind the engine reports gets advice of its own, in each language, and a
    /// file that is not a plan is not told to pick a file by its extension.
    #[test]
    fn each_error_kind_has_its_own_advice() {
        let kinds = [
            "not_mpp",
            "unsupported_version",
            "password_protected",
            "truncated",
            "corrupt",
            "too_large",
            "write",
            "memory_budget",
            "cancelled",
        ];
        for t in [&EN, &PT_BR] {
            let said: std::collections::HashSet<&str> = kinds.iter().map(|k| t.error(k)).collect();
            assert_eq!(said.len(), kinds.len());
            assert!(!said.contains(t.err_other));
        }
        assert!(!EN.err_not_mpp.contains("Choose a file"));
        assert!(EN.err_unsupported.contains("Project 95"));
        assert!(PT_BR.err_unsupported.contains("Project 95"));
    }

    /// Each table uses the same placeholders in each template as English, and no text is
    /// left empty or untranslated by mistake.
    #[test]
    fn translations_keep_the_placeholders() {
        let pairs = [
            (EN.took, PT_BR.took),
            (EN.pitch, PT_BR.pitch),
            (EN.count_tasks.0, PT_BR.count_tasks.0),
            (EN.count_tasks.1, PT_BR.count_tasks.1),
            (EN.count_assignments.0, PT_BR.count_assignments.0),
            (EN.count_assignments.1, PT_BR.count_assignments.1),
            (EN.status_converted.0, PT_BR.status_converted.0),
            (EN.status_converted.1, PT_BR.status_converted.1),
            (EN.status_failed.1, PT_BR.status_failed.1),
            (EN.status_skipped.1, PT_BR.status_skipped.1),
            (EN.status_asking.1, PT_BR.status_asking.1),
            (EN.status_locked.0, PT_BR.status_locked.0),
            (EN.err_truncated, PT_BR.err_truncated),
            (EN.err_corrupt, PT_BR.err_corrupt),
            (EN.err_not_mpp, PT_BR.err_not_mpp),
            (EN.err_unsupported, PT_BR.err_unsupported),
            (EN.error_details, PT_BR.error_details),
            (EN.offline_ready, PT_BR.offline_ready),
            (EN.product_2016_later, PT_BR.product_2016_later),
            (EN.consent_size, PT_BR.consent_size),
            (EN.consent_memory, PT_BR.consent_memory),
            (EN.consent_privacy, PT_BR.consent_privacy),
            (EN.consent_send, PT_BR.consent_send),
            (EN.consent_skip, PT_BR.consent_skip),
            (EN.consent_remember, PT_BR.consent_remember),
            (EN.consent_skipped, PT_BR.consent_skipped),
            (EN.consent_always_send, PT_BR.consent_always_send),
            (EN.consent_always_skip, PT_BR.consent_always_skip),
            (EN.consent_forget, PT_BR.consent_forget),
            (EN.asking, PT_BR.asking),
            (EN.skipped, PT_BR.skipped),
            (EN.warnings_many, PT_BR.warnings_many),
            (EN.gantt_label, PT_BR.gantt_label),
            (EN.showing_first, PT_BR.showing_first),
            (EN.status_converting, PT_BR.status_converting),
            (EN.privacy_fallback, PT_BR.privacy_fallback),
            (EN.notice_size, PT_BR.notice_size),
            (EN.notice_memory, PT_BR.notice_memory),
            (EN.took_server, PT_BR.took_server),
            (EN.preview_server, PT_BR.preview_server),
            (EN.err_unreachable, PT_BR.err_unreachable),
            (EN.err_server_too_large, PT_BR.err_server_too_large),
            (EN.err_server_too_large_max, PT_BR.err_server_too_large_max),
            (EN.err_rate_limited, PT_BR.err_rate_limited),
            (EN.err_busy, PT_BR.err_busy),
            (EN.err_timeout, PT_BR.err_timeout),
            (EN.err_server, PT_BR.err_server),
            (EN.wait_seconds, PT_BR.wait_seconds),
            (EN.stage_uploading, PT_BR.stage_uploading),
            (EN.pro_free, PT_BR.pro_free),
            (EN.pro_active, PT_BR.pro_active),
            (EN.pro_expired, PT_BR.pro_expired),
            (EN.pro_invalid, PT_BR.pro_invalid),
            (EN.pro_revoked, PT_BR.pro_revoked),
            (EN.pro_refused_expired, PT_BR.pro_refused_expired),
            (EN.pro_refused_invalid, PT_BR.pro_refused_invalid),
            (EN.buy_pro, PT_BR.buy_pro),
            (EN.buy_opening, PT_BR.buy_opening),
            (EN.checkout_waiting, PT_BR.checkout_waiting),
            (EN.checkout_activated, PT_BR.checkout_activated),
            (EN.checkout_cancelled, PT_BR.checkout_cancelled),
            (EN.pay_unreachable, PT_BR.pay_unreachable),
            (EN.pay_not_configured, PT_BR.pay_not_configured),
            (EN.pay_provider, PT_BR.pay_provider),
            (EN.pay_rate_limited, PT_BR.pay_rate_limited),
            (EN.pay_unknown_session, PT_BR.pay_unknown_session),
            (EN.pay_bad_token, PT_BR.pay_bad_token),
            (EN.pay_not_confirmed, PT_BR.pay_not_confirmed),
            (EN.pay_other, PT_BR.pay_other),
            (EN.paste_summary, PT_BR.paste_summary),
            (EN.paste_label, PT_BR.paste_label),
            (EN.paste_hint, PT_BR.paste_hint),
            (EN.paste_apply, PT_BR.paste_apply),
            (EN.paste_empty, PT_BR.paste_empty),
            (EN.token_malformed, PT_BR.token_malformed),
            (EN.token_signature, PT_BR.token_signature),
            (EN.token_expired, PT_BR.token_expired),
            (EN.token_key, PT_BR.token_key),
            (EN.token_audience, PT_BR.token_audience),
            (EN.token_old, PT_BR.token_old),
            (EN.remove_licence, PT_BR.remove_licence),
            (EN.licence_removed, PT_BR.licence_removed),
            (EN.show_token, PT_BR.show_token),
            (EN.token_label, PT_BR.token_label),
            (EN.locked_batch, PT_BR.locked_batch),
            (EN.locked_size, PT_BR.locked_size),
            (EN.locked_memory, PT_BR.locked_memory),
            (EN.needs_pro, PT_BR.needs_pro),
            (EN.zip_pro_hint, PT_BR.zip_pro_hint),
            (EN.refused_required, PT_BR.refused_required),
            (EN.refused_invalid, PT_BR.refused_invalid),
            (EN.refused_expired, PT_BR.refused_expired),
            (EN.refused_revoked, PT_BR.refused_revoked),
            (EN.refused_feature, PT_BR.refused_feature),
        ];
        let holes = |s: &str| {
            let mut v: Vec<String> = s
                .split('{')
                .skip(1)
                .filter_map(|p| p.split_once('}'))
                .map(|(k, _)| k.to_string())
                .collect();
            v.sort();
            v
        };
        for (en, pt) in pairs {
            assert_eq!(holes(en), holes(pt), "{en} / {pt}");
            assert_ne!(en, pt);
        }
        for kind in [
            "not_mpp",
            "corrupt",
            "password_protected",
            "memory_budget",
            "output_budget",
            "crash",
            "whatever",
        ] {
            assert!(!EN.error(kind).is_empty());
            assert_ne!(EN.error(kind), PT_BR.error(kind));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The plan viewer's words (issue 11), in a block of their own: `Lang::viewer`.
// ---------------------------------------------------------------------------------------------

/// The plan viewer's texts in one language.
#[allow(missing_docs)] // The field names say what each text is for.
#[derive(Debug)]
pub struct ViewerTexts {
    pub try_sample: &'static str,
    pub try_sample_large: &'static str,
    pub sample_hint: &'static str,
    pub sample_format: &'static str,
    pub tab_tasks: &'static str,
    pub tab_resources: &'static str,
    pub tabs_label: &'static str,
    pub toolbar_label: &'static str,
    pub search_label: &'static str,
    pub search_next: &'static str,
    pub search_prev: &'static str,
    /// `{n}`, `{total}`.
    pub search_count: &'static str,
    pub search_none: &'static str,
    pub only_matches: &'static str,
    pub zoom_label: &'static str,
    pub zoom_in: &'static str,
    pub zoom_out: &'static str,
    pub zoom_days: &'static str,
    pub zoom_weeks: &'static str,
    pub zoom_months: &'static str,
    pub zoom_quarters: &'static str,
    pub zoom_years: &'static str,
    pub labels_label: &'static str,
    pub labels_resources: &'static str,
    pub labels_names: &'static str,
    pub labels_none: &'static str,
    pub show_baseline: &'static str,
    pub show_critical: &'static str,
    pub expand_all: &'static str,
    pub collapse_all: &'static str,
    pub print: &'static str,
    pub show_label: &'static str,
    pub phone_table: &'static str,
    pub phone_gantt: &'static str,
    pub grid_label: &'static str,
    pub grid_hint: &'static str,
    /// `{name}`.
    pub expand_task: &'static str,
    /// `{name}`.
    pub collapse_task: &'static str,
    pub col_id: &'static str,
    pub col_name: &'static str,
    pub col_duration: &'static str,
    pub col_start: &'static str,
    pub col_finish: &'static str,
    pub col_complete: &'static str,
    pub col_type: &'static str,
    pub col_group: &'static str,
    pub col_max_units: &'static str,
    pub col_standard_rate: &'static str,
    pub col_overtime_rate: &'static str,
    pub col_cost: &'static str,
    pub col_work: &'static str,
    pub col_assignments: &'static str,
    pub resources_label: &'static str,
    pub type_work: &'static str,
    pub type_material: &'static str,
    pub type_cost: &'static str,
    pub details_label: &'static str,
    pub close_details: &'static str,
    pub baseline_start: &'static str,
    pub baseline_finish: &'static str,
    pub notes: &'static str,
    pub predecessors: &'static str,
    pub successors: &'static str,
    pub resources: &'static str,
    pub custom_fields: &'static str,
    pub none: &'static str,
    pub kind_summary: &'static str,
    pub kind_milestone: &'static str,
    pub kind_critical: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    /// Finish-to-start, start-to-start, finish-to-finish, start-to-finish, as Project writes them.
    pub link_kinds: [&'static str; 4],
    /// `{n}`: hours of work.
    pub hours: &'static str,
    /// `{rate}`: per hour.
    pub per_hour: &'static str,
    /// `{n}`: the quarter's number.
    pub quarter: &'static str,
    /// `{from}`, `{to}`: a decade.
    pub decade: &'static str,
    pub clipped: &'static str,
    pub reading_plan: &'static str,
    pub plan_unavailable: &'static str,
    pub no_tasks: &'static str,
    pub no_resources: &'static str,
    pub project_dates: &'static str,
    pub today: &'static str,
}

impl Lang {
    /// This language's viewer texts.
    pub fn viewer(self) -> &'static ViewerTexts {
        match self {
            Self::En => &VIEWER_EN,
            Self::PtBr => &VIEWER_PT_BR,
        }
    }
}

/// The viewer in English.
pub static VIEWER_EN: ViewerTexts = ViewerTexts {
    try_sample: "Try a sample plan",
    try_sample_large: "Try a large sample plan (10,000 tasks)",
    sample_hint: "No file at hand? Open a plan made by mpp2xml to see the viewer and the XML.",
    sample_format: "Sample plan made by mpp2xml",
    tab_tasks: "Tasks and Gantt chart",
    tab_resources: "Resource sheet",
    tabs_label: "Plan views",
    toolbar_label: "Viewer tools",
    search_label: "Search tasks",
    search_next: "Next match",
    search_prev: "Previous match",
    search_count: "{n} of {total}",
    search_none: "No matches",
    only_matches: "Only matching tasks",
    zoom_label: "Timescale",
    zoom_in: "Zoom in",
    zoom_out: "Zoom out",
    zoom_days: "Days",
    zoom_weeks: "Weeks",
    zoom_months: "Months",
    zoom_quarters: "Quarters",
    zoom_years: "Years",
    labels_label: "Bar labels",
    labels_resources: "Resource names",
    labels_names: "Task names",
    labels_none: "None",
    show_baseline: "Baseline",
    show_critical: "Critical path",
    expand_all: "Expand all",
    collapse_all: "Collapse all",
    print: "Print",
    show_label: "Show",
    phone_table: "Table",
    phone_gantt: "Gantt chart",
    grid_label: "Tasks",
    grid_hint: "Use the arrow keys to move between tasks, Left and Right to collapse and expand, Enter for a task's details.",
    expand_task: "Expand {name}",
    collapse_task: "Collapse {name}",
    col_id: "ID",
    col_name: "Task name",
    col_duration: "Duration",
    col_start: "Start",
    col_finish: "Finish",
    col_complete: "% Complete",
    col_type: "Type",
    col_group: "Group",
    col_max_units: "Max. units",
    col_standard_rate: "Std. rate",
    col_overtime_rate: "Ovt. rate",
    col_cost: "Cost",
    col_work: "Work",
    col_assignments: "Assignments",
    resources_label: "Resources",
    type_work: "Work",
    type_material: "Material",
    type_cost: "Cost",
    details_label: "Task details",
    close_details: "Close details",
    baseline_start: "Baseline start",
    baseline_finish: "Baseline finish",
    notes: "Notes",
    predecessors: "Predecessors",
    successors: "Successors",
    resources: "Resources",
    custom_fields: "Custom fields",
    none: "None",
    kind_summary: "Summary task",
    kind_milestone: "Milestone",
    kind_critical: "Critical",
    yes: "Yes",
    no: "No",
    link_kinds: ["FS", "SS", "FF", "SF"],
    hours: "{n} hrs",
    per_hour: "{rate}/hr",
    quarter: "Q{n}",
    decade: "{from}–{to}",
    clipped: "Some very long notes or lists are shortened in this view; the XML has them in full.",
    reading_plan: "Reading the plan from the server's XML…",
    plan_unavailable: "The viewer could not read this file's XML. The XML download is complete.",
    no_tasks: "This project has no tasks.",
    no_resources: "This project has no resources.",
    project_dates: "Project",
    today: "Today",
};

/// The viewer in Brazilian Portuguese.
pub static VIEWER_PT_BR: ViewerTexts = ViewerTexts {
    try_sample: "Abrir um plano de exemplo",
    try_sample_large: "Abrir um plano de exemplo grande (10.000 tarefas)",
    sample_hint: "Sem arquivo à mão? Abra um plano feito pelo mpp2xml para ver o visualizador e o XML.",
    sample_format: "Plano de exemplo feito pelo mpp2xml",
    tab_tasks: "Tarefas e gráfico de Gantt",
    tab_resources: "Planilha de recursos",
    tabs_label: "Modos de exibição do plano",
    toolbar_label: "Ferramentas do visualizador",
    search_label: "Pesquisar tarefas",
    search_next: "Próximo resultado",
    search_prev: "Resultado anterior",
    search_count: "{n} de {total}",
    search_none: "Nenhum resultado",
    only_matches: "Só as tarefas encontradas",
    zoom_label: "Escala de tempo",
    zoom_in: "Aproximar",
    zoom_out: "Afastar",
    zoom_days: "Dias",
    zoom_weeks: "Semanas",
    zoom_months: "Meses",
    zoom_quarters: "Trimestres",
    zoom_years: "Anos",
    labels_label: "Rótulos das barras",
    labels_resources: "Nomes dos recursos",
    labels_names: "Nomes das tarefas",
    labels_none: "Nenhum",
    show_baseline: "Linha de base",
    show_critical: "Caminho crítico",
    expand_all: "Expandir tudo",
    collapse_all: "Recolher tudo",
    print: "Imprimir",
    show_label: "Mostrar",
    phone_table: "Tabela",
    phone_gantt: "Gráfico de Gantt",
    grid_label: "Tarefas",
    grid_hint: "Use as setas para passar de uma tarefa a outra, Esquerda e Direita para recolher e expandir, Enter para os detalhes da tarefa.",
    expand_task: "Expandir {name}",
    collapse_task: "Recolher {name}",
    col_id: "Id",
    col_name: "Nome da tarefa",
    col_duration: "Duração",
    col_start: "Início",
    col_finish: "Término",
    col_complete: "% concluída",
    col_type: "Tipo",
    col_group: "Grupo",
    col_max_units: "Unidades máx.",
    col_standard_rate: "Taxa padrão",
    col_overtime_rate: "Taxa h. extra",
    col_cost: "Custo",
    col_work: "Trabalho",
    col_assignments: "Atribuições",
    resources_label: "Recursos",
    type_work: "Trabalho",
    type_material: "Material",
    type_cost: "Custo",
    details_label: "Detalhes da tarefa",
    close_details: "Fechar detalhes",
    baseline_start: "Início da linha de base",
    baseline_finish: "Término da linha de base",
    notes: "Anotações",
    predecessors: "Predecessoras",
    successors: "Sucessoras",
    resources: "Recursos",
    custom_fields: "Campos personalizados",
    none: "Nenhum",
    kind_summary: "Tarefa de resumo",
    kind_milestone: "Marco",
    kind_critical: "Crítica",
    yes: "Sim",
    no: "Não",
    link_kinds: ["TI", "II", "TT", "IT"],
    hours: "{n} h",
    per_hour: "{rate}/h",
    quarter: "T{n}",
    decade: "{from}–{to}",
    clipped: "Algumas anotações ou listas muito longas aparecem encurtadas aqui; o XML as tem completas.",
    reading_plan: "Lendo o plano do XML do servidor…",
    plan_unavailable: "O visualizador não conseguiu ler o XML deste arquivo. O XML para baixar está completo.",
    no_tasks: "Este projeto não tem tarefas.",
    no_resources: "Este projeto não tem recursos.",
    project_dates: "Projeto",
    today: "Hoje",
};

#[cfg(test)]
mod viewer_tests {
    use super::*;

    /// Every viewer text is translated and keeps the English placeholders.
    #[test]
    fn viewer_texts_are_translated_with_their_placeholders() {
        let (en, pt) = (&VIEWER_EN, &VIEWER_PT_BR);
        let pairs = [
            (en.try_sample, pt.try_sample),
            (en.search_count, pt.search_count),
            (en.expand_task, pt.expand_task),
            (en.collapse_task, pt.collapse_task),
            (en.hours, pt.hours),
            (en.per_hour, pt.per_hour),
            (en.quarter, pt.quarter),
            (en.clipped, pt.clipped),
            (en.tab_tasks, pt.tab_tasks),
            (en.grid_hint, pt.grid_hint),
        ];
        let holes = |s: &str| {
            let mut v: Vec<String> = s
                .split('{')
                .skip(1)
                .filter_map(|p| p.split_once('}'))
                .map(|(k, _)| k.to_string())
                .collect();
            v.sort();
            v
        };
        for (a, b) in pairs {
            assert_eq!(holes(a), holes(b), "{a} / {b}");
            assert_ne!(a, b);
            assert!(!a.is_empty());
        }
        assert_ne!(en.link_kinds, pt.link_kinds);
        assert_eq!(Lang::PtBr.viewer().today, "Hoje");
    }
}
