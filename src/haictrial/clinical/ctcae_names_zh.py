"""Simplified Chinese display names of the CTCAE v5.0 terms and system organ classes haictrial knows, as data.

The data keep the English CTCAE v5.0 term (clinical codes stay in English in the data, docs/architecture.md);
a page or e-mail in ``zh-Hans`` shows the Chinese name beside it (:func:`chinese_name`; the web app's
:mod:`haictrial.edc.web.ctcae_names` picks it for the current language). Kept in the core as data (no
translation machinery) so that every EDC layer, the eCRF layouts included, can show it. The names are a data
table, not catalogue entries: they translate the vocabulary of :mod:`haictrial.clinical.ctcae_terms` (every term of ``CTCAE_V5_TERMS``, the
26 ``CTCAE_SYSTEM_ORGAN_CLASSES``, the graded laboratory terms of :class:`haictrial.clinical.ctcae.CtcaeTerm`
and the protocol's grouping terms of :data:`haictrial.clinical.adverse_events.KNOWN_TERMS`), and a term outside
the table is shown in English alone, never guessed.

References
----------
- 常见不良事件评价标准 (CTCAE) 5.0 版, the Chinese translation of NCI CTCAE v5.0 (27 Nov 2017) used in Chinese
  oncology trials: the term names (e.g. "Neutrophil count decreased" 中性粒细胞计数降低, "Nausea" 恶心).
- MedDRA (ICH) Chinese edition: the names of the system organ classes CTCAE v5.0 is organised by
  (e.g. "Gastrointestinal disorders" 胃肠系统疾病).
- CTCAE v5.0, "Other, specify" convention: "<system organ class> - Other, specify" (其他，请注明).
"""

from __future__ import annotations

import re

#: The 26 system organ classes of CTCAE v5.0, by their MedDRA Chinese names.
SYSTEM_ORGAN_CLASS_NAMES_ZH: dict[str, str] = {
    "Blood and lymphatic system disorders": "血液及淋巴系统疾病",
    "Cardiac disorders": "心脏器官疾病",
    "Congenital, familial and genetic disorders": "先天性、家族性和遗传性疾病",
    "Ear and labyrinth disorders": "耳和迷路疾病",
    "Endocrine disorders": "内分泌系统疾病",
    "Eye disorders": "眼器官疾病",
    "Gastrointestinal disorders": "胃肠系统疾病",
    "General disorders and administration site conditions": "全身性疾病及给药部位各种反应",
    "Hepatobiliary disorders": "肝胆系统疾病",
    "Immune system disorders": "免疫系统疾病",
    "Infections and infestations": "感染及侵染类疾病",
    "Injury, poisoning and procedural complications": "各类损伤、中毒及操作并发症",
    "Investigations": "各类检查",
    "Metabolism and nutrition disorders": "代谢及营养类疾病",
    "Musculoskeletal and connective tissue disorders": "各种肌肉骨骼及结缔组织疾病",
    "Neoplasms benign, malignant and unspecified (incl cysts and polyps)": "良性、恶性及性质不明的肿瘤（包括囊状和息肉状）",
    "Nervous system disorders": "各类神经系统疾病",
    "Pregnancy, puerperium and perinatal conditions": "妊娠期、产褥期及围产期状况",
    "Psychiatric disorders": "精神病类",
    "Renal and urinary disorders": "肾脏及泌尿系统疾病",
    "Reproductive system and breast disorders": "生殖系统及乳腺疾病",
    "Respiratory, thoracic and mediastinal disorders": "呼吸系统、胸及纵隔疾病",
    "Skin and subcutaneous tissue disorders": "皮肤及皮下组织类疾病",
    "Social circumstances": "社会环境",
    "Surgical and medical procedures": "各种手术及医疗操作",
    "Vascular disorders": "血管与淋巴管类疾病",
}

#: CTCAE v5.0 terms (and the protocol's grouping terms) by their Chinese names in CTCAE 5.0 版.
TERM_NAMES_ZH: dict[str, str] = {
    # Blood and lymphatic system disorders
    "Anemia": "贫血",
    "Febrile neutropenia": "发热性中性粒细胞减少症",
    "Disseminated intravascular coagulation": "弥散性血管内凝血",
    "Thrombotic thrombocytopenic purpura": "血栓性血小板减少性紫癜",
    # Cardiac disorders
    "Atrial fibrillation": "心房颤动",
    "Cardiac arrest": "心脏骤停",
    "Chest pain - cardiac": "胸痛-心源性",
    "Heart failure": "心力衰竭",
    "Left ventricular systolic dysfunction": "左心室收缩功能障碍",
    "Myocardial infarction": "心肌梗死",
    "Myocarditis": "心肌炎",
    "Palpitations": "心悸",
    "Pericardial effusion": "心包积液",
    "Sinus bradycardia": "窦性心动过缓",
    "Sinus tachycardia": "窦性心动过速",
    "Supraventricular tachycardia": "室上性心动过速",
    "Ventricular tachycardia": "室性心动过速",
    # Ear and labyrinth, endocrine, eye disorders
    "Tinnitus": "耳鸣",
    "Hearing impaired": "听力受损",
    "Hypothyroidism": "甲状腺功能减退",
    "Hyperthyroidism": "甲状腺功能亢进",
    "Blurred vision": "视物模糊",
    "Conjunctivitis": "结膜炎",
    "Dry eye": "干眼",
    "Eye pain": "眼痛",
    "Keratitis": "角膜炎",
    "Watering eyes": "流泪",
    # Gastrointestinal disorders
    "Abdominal distension": "腹胀",
    "Abdominal pain": "腹痛",
    "Ascites": "腹水",
    "Colitis": "结肠炎",
    "Colonic hemorrhage": "结肠出血",
    "Colonic obstruction": "结肠梗阻",
    "Colonic perforation": "结肠穿孔",
    "Constipation": "便秘",
    "Diarrhea": "腹泻",
    "Dry mouth": "口干",
    "Duodenal hemorrhage": "十二指肠出血",
    "Duodenal perforation": "十二指肠穿孔",
    "Duodenal ulcer": "十二指肠溃疡",
    "Dyspepsia": "消化不良",
    "Dysphagia": "吞咽困难",
    "Enterocolitis": "小肠结肠炎",
    "Esophageal hemorrhage": "食管出血",
    "Esophageal perforation": "食管穿孔",
    "Esophagitis": "食管炎",
    "Flatulence": "胃肠胀气",
    "Intra-abdominal hemorrhage": "腹腔内出血",
    "Gastric hemorrhage": "胃出血",
    "Gastric perforation": "胃穿孔",
    "Gastric ulcer": "胃溃疡",
    "Gastritis": "胃炎",
    "Gastroesophageal reflux disease": "胃食管反流病",
    "Hemorrhoids": "痔疮",
    "Ileal hemorrhage": "回肠出血",
    "Ileal perforation": "回肠穿孔",
    "Ileus": "肠梗阻",
    "Jejunal hemorrhage": "空肠出血",
    "Jejunal perforation": "空肠穿孔",
    "Lower gastrointestinal hemorrhage": "下消化道出血",
    "Mucositis oral": "口腔黏膜炎",
    "Nausea": "恶心",
    "Oral hemorrhage": "口腔出血",
    "Oral pain": "口腔疼痛",
    "Pancreatitis": "胰腺炎",
    "Rectal hemorrhage": "直肠出血",
    "Rectal mucositis": "直肠黏膜炎",
    "Rectal perforation": "直肠穿孔",
    "Small intestinal obstruction": "小肠梗阻",
    "Small intestinal perforation": "小肠穿孔",
    "Stomach pain": "胃痛",
    "Upper gastrointestinal hemorrhage": "上消化道出血",
    "Vomiting": "呕吐",
    # General disorders and administration site conditions
    "Chills": "寒战",
    "Death NOS": "死亡NOS",
    "Edema face": "面部水肿",
    "Edema limbs": "四肢水肿",
    "Edema trunk": "躯干水肿",
    "Fatigue": "疲乏",
    "Fever": "发热",
    "Flu like symptoms": "流感样症状",
    "Generalized edema": "全身水肿",
    "Infusion related reaction": "输液相关反应",
    "Infusion site extravasation": "输液部位外渗",
    "Injection site reaction": "注射部位反应",
    "Malaise": "不适",
    "Non-cardiac chest pain": "非心源性胸痛",
    "Pain": "疼痛",
    # Hepatobiliary disorders
    "Bile duct stenosis": "胆管狭窄",
    "Cholecystitis": "胆囊炎",
    "Hepatic failure": "肝功能衰竭",
    "Hepatic hemorrhage": "肝出血",
    "Hepatic necrosis": "肝坏死",
    "Hepatic pain": "肝区疼痛",
    "Portal hypertension": "门静脉高压",
    "Portal vein thrombosis": "门静脉血栓形成",
    # Immune system disorders
    "Allergic reaction": "过敏反应",
    "Anaphylaxis": "严重过敏反应",
    "Cytokine release syndrome": "细胞因子释放综合征",
    # Infections and infestations
    "Abdominal infection": "腹部感染",
    "Biliary tract infection": "胆道感染",
    "Catheter related infection": "导管相关性感染",
    "Enterocolitis infectious": "感染性小肠结肠炎",
    "Hepatic infection": "肝脏感染",
    "Lung infection": "肺部感染",
    "Paronychia": "甲沟炎",
    "Peritoneal infection": "腹膜感染",
    "Sepsis": "脓毒症",
    "Skin infection": "皮肤感染",
    "Upper respiratory infection": "上呼吸道感染",
    "Urinary tract infection": "尿路感染",
    "Wound infection": "伤口感染",
    # Injury, poisoning and procedural complications
    "Arterial injury": "动脉损伤",
    "Bruising": "瘀伤",
    "Fall": "跌倒",
    "Postoperative hemorrhage": "术后出血",
    "Vascular access complication": "血管通路并发症",
    "Wound complication": "伤口并发症",
    "Wound dehiscence": "伤口裂开",
    # Investigations
    "Activated partial thromboplastin time prolonged": "活化部分凝血活酶时间延长",
    "Alanine aminotransferase increased": "丙氨酸氨基转移酶升高",
    "Alkaline phosphatase increased": "碱性磷酸酶升高",
    "Aspartate aminotransferase increased": "天门冬氨酸氨基转移酶升高",
    "Blood bilirubin increased": "血胆红素升高",
    "Creatinine increased": "肌酐升高",
    "Ejection fraction decreased": "射血分数降低",
    "Electrocardiogram QT corrected interval prolonged": "心电图QT校正间期延长",
    "GGT increased": "γ-谷氨酰转移酶升高",
    "INR increased": "国际标准化比值升高",
    "Lipase increased": "脂肪酶升高",
    "Lymphocyte count decreased": "淋巴细胞计数降低",
    "Neutrophil count decreased": "中性粒细胞计数降低",
    "Platelet count decreased": "血小板计数降低",
    "Serum amylase increased": "血清淀粉酶升高",
    "Weight gain": "体重增加",
    "Weight loss": "体重减轻",
    "White blood cell decreased": "白细胞计数降低",
    # Metabolism and nutrition disorders
    "Anorexia": "厌食",
    "Dehydration": "脱水",
    "Hypercalcemia": "高钙血症",
    "Hyperglycemia": "高血糖",
    "Hyperkalemia": "高钾血症",
    "Hypernatremia": "高钠血症",
    "Hypoalbuminemia": "低白蛋白血症",
    "Hypocalcemia": "低钙血症",
    "Hypoglycemia": "低血糖",
    "Hypokalemia": "低钾血症",
    "Hypomagnesemia": "低镁血症",
    "Hyponatremia": "低钠血症",
    "Hypophosphatemia": "低磷血症",
    "Tumor lysis syndrome": "肿瘤溶解综合征",
    # Musculoskeletal and connective tissue disorders
    "Arthralgia": "关节痛",
    "Back pain": "背痛",
    "Generalized muscle weakness": "全身肌无力",
    "Muscle cramp": "肌肉痉挛",
    "Myalgia": "肌痛",
    "Pain in extremity": "四肢疼痛",
    # Nervous system disorders
    "Dizziness": "头晕",
    "Dysesthesia": "感觉迟钝",
    "Dysgeusia": "味觉障碍",
    "Encephalopathy": "脑病",
    "Headache": "头痛",
    "Intracranial hemorrhage": "颅内出血",
    "Ischemia cerebrovascular": "脑血管缺血",
    "Paresthesia": "感觉异常",
    "Peripheral motor neuropathy": "周围运动神经病变",
    "Peripheral sensory neuropathy": "周围感觉神经病变",
    "Reversible posterior leukoencephalopathy syndrome": "可逆性后部白质脑病综合征",
    "Seizure": "癫痫发作",
    "Somnolence": "嗜睡",
    "Stroke": "卒中",
    "Syncope": "晕厥",
    "Transient ischemic attacks": "短暂性脑缺血发作",
    # Psychiatric disorders
    "Anxiety": "焦虑",
    "Confusion": "意识模糊",
    "Depression": "抑郁",
    "Insomnia": "失眠",
    # Renal and urinary disorders
    "Acute kidney injury": "急性肾损伤",
    "Hematuria": "血尿",
    "Nephrotic syndrome": "肾病综合征",
    "Proteinuria": "蛋白尿",
    # Respiratory, thoracic and mediastinal disorders
    "Bronchopulmonary hemorrhage": "支气管肺出血",
    "Bronchospasm": "支气管痉挛",
    "Cough": "咳嗽",
    "Dyspnea": "呼吸困难",
    "Epistaxis": "鼻出血",
    "Hiccups": "呃逆",
    "Hypoxia": "缺氧",
    "Laryngospasm": "喉痉挛",
    "Pleural effusion": "胸腔积液",
    "Pneumonitis": "肺炎",
    "Pulmonary edema": "肺水肿",
    "Pulmonary fibrosis": "肺纤维化",
    "Sore throat": "咽喉痛",
    "Voice alteration": "声音改变",
    # Skin and subcutaneous tissue disorders
    "Alopecia": "脱发",
    "Dry skin": "皮肤干燥",
    "Erythema multiforme": "多形性红斑",
    "Hyperhidrosis": "多汗",
    "Hypertrichosis": "多毛症",
    "Nail discoloration": "指甲变色",
    "Nail loss": "指甲脱落",
    "Nail ridging": "甲嵴",
    "Palmar-plantar erythrodysesthesia syndrome": "手掌-足底红肿疼痛综合征",
    "Photosensitivity": "光敏感",
    "Pruritus": "瘙痒",
    "Rash acneiform": "痤疮样皮疹",
    "Rash maculo-papular": "斑丘疹",
    "Skin hyperpigmentation": "皮肤色素沉着过度",
    "Skin ulceration": "皮肤溃疡",
    "Stevens-Johnson syndrome": "Stevens-Johnson综合征",
    "Urticaria": "荨麻疹",
    # Vascular disorders
    "Arterial thromboembolism": "动脉血栓栓塞",
    "Capillary leak syndrome": "毛细血管渗漏综合征",
    "Flushing": "潮红",
    "Hematoma": "血肿",
    "Hot flashes": "潮热",
    "Hypertension": "高血压",
    "Hypotension": "低血压",
    "Phlebitis": "静脉炎",
    "Superficial thrombophlebitis": "浅表血栓性静脉炎",
    "Thromboembolic event": "血栓栓塞事件",
    "Vasculitis": "血管炎",
    # The protocol's grouping terms (not CTCAE v5.0 terms; haictrial.clinical.adverse_events.KNOWN_TERMS)
    "Hemorrhage": "出血",
    "Gastrointestinal hemorrhage": "消化道出血",
    "Gastrointestinal perforation": "消化道穿孔",
}

#: "- Other, specify" in the Chinese CTCAE v5.0.
OTHER_SPECIFY_ZH = "其他，请注明"

_OTHER = re.compile(r"^(?P<soc>.+?) - [Oo]ther, specify(?P<rest>:.*)?$")
_BY_KEY = {" ".join(k.split()).casefold(): v for k, v in {**TERM_NAMES_ZH, **SYSTEM_ORGAN_CLASS_NAMES_ZH}.items()}


def chinese_name(term: str) -> str | None:
    """The Chinese name of a CTCAE v5.0 term, system organ class or "<class> - Other, specify", else None.

    Case and runs of spaces do not matter (as :func:`haictrial.clinical.ctcae_terms.term_key`); the verbatim
    after "Other, specify:" is data and is kept as written.
    """
    key = " ".join(term.split())
    found = _BY_KEY.get(key.casefold())
    if found is not None:
        return found
    other = _OTHER.match(key)
    if other:
        soc = _BY_KEY.get(other.group("soc").casefold())
        if soc is not None:
            rest = other.group("rest") or ""
            return f"{soc} - {OTHER_SPECIFY_ZH}" + (f"：{rest[1:].strip()}" if rest else "")
    return None


__all__ = ["OTHER_SPECIFY_ZH", "SYSTEM_ORGAN_CLASS_NAMES_ZH", "TERM_NAMES_ZH", "chinese_name"]
