"""The one manifest of form families and wordings, each marked dev or held out.

A `dev` document uses only dev families and dev wordings; a `heldout` document uses a
held-out family or held-out wordings (see `Words`). Whoever writes extraction rules looks at
dev documents only, so held-out scores measure layouts and wordings the rules never saw.

Wordings carry no colon; each form decides whether its labels have one. "A|B" is a split
pair (two boxes, e.g. surname and first name) that only some families can draw.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

# family id -> (document kind, held out?)
FAMILIES: dict[str, tuple[str, bool]] = {
    "rx_sample": ("prescription", False),
    "rx_clinic_pad": ("prescription", False),
    "rx_discharge_table": ("prescription", False),
    "rx_eprescription": ("prescription", True),
    "rx_us_card": ("prescription", False),
    "rx_hospital_chart": ("prescription", False),
    "pd_sample": ("patient_details", False),
    "pd_boxed_intake": ("patient_details", False),
    "pd_captions_under": ("patient_details", True),
    "pd_new_patient": ("patient_details", False),
    "pd_registration_grid": ("patient_details", False),
    "pd_insurance_claim": ("patient_details", False),
    # near-miss negatives (truth: document type unknown, no fields); blank forms of the
    # families above are negatives too, as "blank_<family>", held out with their family
    "neg_lab_report": ("negative", False),
    "neg_invoice": ("negative", False),
    "neg_discharge_summary": ("negative", False),
    "neg_visit_note": ("negative", False),
    "neg_certificate": ("negative", True),
    "neg_vaccination_card": ("negative", False),
}
for _fam, (_kind, _held) in list(FAMILIES.items()):
    if _kind != "negative":
        FAMILIES[f"blank_{_fam}"] = ("negative", _held)
# Dev families added after the held-out documents were fixed. Held-out documents put
# held-out wordings on dev families too, but never on these: so a seed's held-out set stays
# the same documents (and its scores comparable) as the dev set grows.
DEV_ONLY = frozenset(
    f for base in ("rx_hospital_chart", "pd_insurance_claim") for f in (base, f"blank_{base}")
)

# field or heading -> (dev wordings, held-out wordings)
# fmt: off
WORDINGS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # --- people and dates (both kinds) ---
    "patient_name": (
        ("Patient Name", "Name", "Patient", "Name of patient", "Pt. name", "Full name",
         "Patient full name", "Surname|First name", "Patient's name"),
        ("Member name", "Name of client", "Client", "Last name|Given name"),
    ),
    "date": (
        ("Date", "Date of issue", "Issued", "Rx date", "Prescription date", "Date written",
         "Dated"),
        ("Issue date", "Date prescribed", "Written on"),
    ),
    "patient_address": (
        ("Address", "Patient address", "Addr", "Home address", "Residence", "Street address",
         "Patient's address"),
        ("Domicile", "Lives at", "Residential address"),
    ),
    "directions": (
        ("Directions", "Sig", "Instructions", "Dosage instructions", "How to take",
         "Directions for use", "Take as follows"),
        ("Signa", "Administration", "Label directions"),
    ),
    "medicines": (
        ("Medication", "Medicine", "Drug", "Drug name", "Medicine name", "Rx", "Prescribed"),
        ("Item", "Product", "Preparation"),
    ),
    "strength": (
        ("Strength", "Dose", "Dose/Strength", "Dosage", "Strength/Form", "Dose & form"),
        ("Potency", "Formulation"),
    ),
    "quantity": (
        ("Qty", "Quantity", "Disp", "Dispense", "#"),
        ("Amount", "Supply"),
    ),
    "refills": (
        ("Refills: {n}", "Refills {n}", "Refill: {n} times", "Repeat x{n}",
         "Refills authorised: {n}", "Refills authorized: {n}", "No. of refills: {n}"),
        ("Repeats: {n}", "Refill {n} times only", "Renewals: {n}"),
    ),
    "prescriber_name": (
        ("Prescriber", "Physician", "Doctor", "Prescribing doctor", "Provider", "Prescribed by",
         "Clinician"),
        ("Practitioner", "Authorised prescriber", "Attending"),
    ),
    "prescriber_address": (
        ("Clinic address", "Practice address", "Address", "Office", "Location", "Surgery"),
        ("Premises", "Practice location"),
    ),
    "prescriber_phone": (
        ("Phone", "Tel", "Telephone", "Ph", "Office phone", "Clinic phone", "Contact no"),
        ("Call", "Phone no"),
    ),
    # --- patient record forms ---
    "record_date": (
        ("Date", "Today's date", "Date of visit", "Form date", "Date completed",
         "Registration date"),
        ("Date filled", "Visit date"),
    ),
    "birth_date": (
        ("Date of Birth", "DOB", "Birth Date", "D.O.B", "Birthdate", "Born",
         "Date of birth (DD/MM/YYYY)"),
        ("Birthday", "Geburtsdatum / DOB", "Birth"),
    ),
    "phone": (
        ("Phone", "Telephone", "Phone number", "Tel", "Mobile", "Cell phone", "Contact number",
         "Home phone"),
        ("Daytime phone", "Best number to reach you", "Mob"),
    ),
    "address": (
        ("Address", "Home address", "Addr", "Residence", "Street address", "Mailing address",
         "Current address"),
        ("Residential address", "Where do you live", "Postal address"),
    ),
    "weight": (
        ("Weight", "Weight (kg)", "Wt", "Body weight", "Weight in kg", "Wt (kg)"),
        ("Mass (kg)", "Weight, kg"),
    ),
    "height": (
        ("Height", "Height (cm)", "Ht", "Height in cm", "Ht (cm)", "Stature"),
        ("Length (cm)", "Height, cm"),
    ),
    "emergency_contact_name": (
        ("Name", "Contact name", "Emergency contact", "Next of kin", "Person to notify",
         "Full name", "Name of contact"),
        ("Notify", "In an emergency contact", "Responsible party"),
    ),
    "emergency_contact_address": (
        ("Address", "Contact address", "Addr", "Home address", "Their address",
         "Address of contact"),
        ("Residence", "Mailing address"),
    ),
    "emergency_contact_home_phone": (
        ("Home phone", "Home tel", "Phone (home)", "Home", "Home number", "Tel (H)"),
        ("Evening phone", "H"),
    ),
    "emergency_contact_work_phone": (
        ("Work phone", "Work tel", "Phone (work)", "Work", "Business phone", "Tel (W)"),
        ("Daytime phone", "W"),
    ),
    "chicken_pox": (
        ("Chicken Pox (Varicella)", "Chickenpox", "Varicella", "Chicken pox",
         "Varicella (chickenpox)", "Chicken Pox"),
        ("VZV", "Varicella zoster"),
    ),
    "measles": (
        ("Measles", "Measles (rubeola)", "Rubeola", "MMR - measles", "Measles status",
         "Measles immunity"),
        ("Morbilli", "Measles (MMR)"),
    ),
    "hepatitis_b_vaccinated": (
        ("Have you had the Hepatitis B vaccination?", "Hepatitis B vaccine", "Hep B vaccinated?",
         "Hepatitis B vaccinated", "Vaccinated against Hepatitis B?", "Hep B vaccine received"),
        ("HBV immunised?", "Hepatitis B shots completed?"),
    ),
    "medical_problems": (
        ("List any Medical Problems (asthma, seizures, headaches)", "Medical problems",
         "Medical conditions", "Past medical history", "Current conditions",
         "Do you have any medical conditions?", "Illnesses"),
        ("Diagnoses", "Health problems", "Ongoing conditions"),
    ),
    "has_insurance": (
        ("Do you have medical insurance?", "Do you have health insurance?", "Insured?",
         "Health insurance", "Covered by insurance?", "Insurance coverage"),
        ("Any medical cover?", "Is the patient insured?"),
    ),
    "insurance_company": (
        ("Insurance Company", "Name of Insurance Company", "Insurer", "Insurance carrier",
         "Carrier", "Health plan", "Insurance provider"),
        ("Payer", "Plan name", "Primary insurance"),
    ),
    "policy_number": (
        ("Policy Number", "Policy No", "Policy #", "Member ID", "ID number", "Subscriber ID",
         "Policy no"),
        ("Certificate no", "Membership number", "Plan ID"),
    ),
    "insurance_address": (
        ("Insurance address", "Address", "Insurer address", "Claims address", "Company address",
         "Carrier address"),
        ("Billing address", "Send claims to"),
    ),
    "insurance_expiry": (
        ("Expiry Date", "Expiration Date", "Valid Until", "Expires", "Exp. date", "Coverage ends",
         "Valid thru"),
        ("End date", "Termination date", "Good through"),
    ),
    "allergies": (
        ("List any allergies", "Allergies", "Known allergies", "Drug allergies", "Allergic to",
         "Any allergies?", "Allergies / reactions"),
        ("Sensitivities", "Adverse reactions", "Intolerances"),
    ),
    "regular_medications": (
        ("List any medication taken regularly", "Current medications", "Regular medications",
         "Medications", "Current meds", "Medicines you take", "Medication list"),
        ("Repeat prescriptions", "Long-term medication", "Drugs taken daily"),
    ),
    # --- headings and titles ---
    "h_patient": (
        ("Patient Information", "Patient Details", "Personal information", "About you", "Patient",
         "Personal details", "Demographics"),
        ("Client details", "Member information", "Your details"),
    ),
    "h_emergency": (
        ("In Case of Emergency", "Emergency Contact", "Next of kin", "Emergency contact person",
         "Person to contact in an emergency", "ICE contact"),
        ("Nearest relative", "Contact in emergency", "Notify in emergency"),
    ),
    "h_insurance": (
        ("Insurance", "Medical Insurance Details", "Insurance information", "Health insurance",
         "Coverage", "Insurance details"),
        ("Payer information", "Billing / insurance", "Medical aid"),
    ),
    "h_history": (
        ("General Medical History", "Medical history", "Health history", "Immunisations",
         "Immunization history", "Health questionnaire"),
        ("Clinical history", "Your health", "Past history"),
    ),
    "h_medications": (
        ("Medications", "Current medicines", "Allergies and medications", "Medication history",
         "Drugs and allergies", "Medicines"),
        ("Pharmacy history", "Treatment"),
    ),
    "pd_title": (
        ("Patient Medical Record", "Medical Record Form", "Patient Registration",
         "New Patient Information", "Patient Intake Form", "Registration Form",
         "Patient Information Form", "New Patient Registration"),
        ("Client Admission Form", "Health Record", "Enrolment Form"),
    ),
    "rx_title": (
        ("Prescription", "Rx", "Discharge Prescription", "Medication Orders", "Prescription Form",
         "Outpatient Prescription", "Discharge Medications", "Electronic Prescription"),
        ("Script", "Medicines on Discharge", "TTO (To Take Out)"),
    ),
}
# Dev wordings added after the held-out documents were fixed; they join the dev tuples of
# WORDINGS below. Dev documents draw on them like on the rest; documents of held-out
# families (which mix dev and held-out wordings) keep to the dev wordings there were before,
# so a seed's held-out set stays the same documents.
MORE_DEV: dict[str, tuple[str, ...]] = {
    "patient_name": ("Patient name (surname, first name)", "Name in full", "Surname|Forename(s)"),
    "date": ("Date of prescription", "Order date", "Dt"),
    "patient_address": ("Address of patient", "Pt. address", "Address with PIN code"),
    "directions": ("Instructions for patient", "Dosing", "Dose & duration"),
    "medicines": ("Medicine (approved name)", "Medication name", "Generic name"),
    "strength": ("Str.", "Unit dose", "Strength per dose"),
    "quantity": ("Total qty", "Quantity to dispense", "No. of units"),
    "refills": ("Refills permitted: {n}", "Number of refills: {n}", "Refill x{n}"),
    "prescriber_name": ("Name of doctor", "Medical officer", "Prescriber's name"),
    "prescriber_address": ("Hospital address", "Address of clinic", "Practice addr"),
    "prescriber_phone": ("Tel. no", "Contact", "Appointments"),
    "record_date": ("Date of registration", "Date signed", "Date of form"),
    "birth_date": ("Date of birth (MM/DD/YYYY)", "Pt. DOB", "Born on"),
    "phone": ("Primary phone", "Cell", "Phone (mobile)"),
    "address": ("Permanent address", "Address of patient", "Street, city, ZIP"),
    "weight": ("Current weight", "Body wt", "Approx. weight"),
    "height": ("Current height", "Body ht", "Standing height"),
    "emergency_contact_name": ("Name of next of kin", "NOK name", "Emergency contact name"),
    "emergency_contact_address": ("NOK address", "Address of next of kin", "Contact's address"),
    "emergency_contact_home_phone": ("Home ph", "Landline", "Home no"),
    "emergency_contact_work_phone": ("Work ph", "Office phone", "Work no"),
    "chicken_pox": ("Had chickenpox?", "Varicella immune status", "Chickenpox history"),
    "measles": ("Had measles?", "Measles history", "Rubeola immunity"),
    "hepatitis_b_vaccinated": ("Hep B vaccination", "Hepatitis B vaccine given?",
                               "Completed Hep B vaccine series?"),
    "medical_problems": ("Chronic illnesses", "Pre-existing conditions", "PMH"),
    "has_insurance": ("Are you insured?", "Health insurance (yes/no)",
                      "Do you have a health plan?"),
    "insurance_company": ("Insurance co.", "Name of insurer", "Insurance company name"),
    "policy_number": ("Insurance ID", "Policy / card no", "Insured's ID number"),
    "insurance_address": ("Insurer's address", "Address of insurance company", "Claims office"),
    "insurance_expiry": ("Policy expiry", "Valid to", "Expiry"),
    "allergies": ("Drug / food allergies", "Allergy status", "Allergies (medicines, food, latex)"),
    "regular_medications": ("Present medications", "Medicines currently taken",
                            "Current medicines & doses"),
    "h_patient": ("Patient particulars", "Personal data", "Patient identification"),
    "h_emergency": ("Next of kin details", "Emergency contact details", "Person to inform"),
    "h_insurance": ("Insurance & policy details", "Health cover", "Policy holder information"),
    "h_history": ("Medical background", "Health declaration", "Vaccination history"),
    "h_medications": ("Allergies & current medicines", "Medication & allergy history",
                      "Drug history"),
    "pd_title": ("Patient Details Form", "Registration & Insurance Form",
                 "New Patient Questionnaire"),
    "rx_title": ("Medication Chart", "Drug Order Sheet", "OPD Prescription"),
}
# fmt: on
# The dev wordings held-out family documents draw on (see MORE_DEV).
FIRST_DEV = {key: dev for key, (dev, _held) in WORDINGS.items()}
WORDINGS = {key: (dev + MORE_DEV.get(key, ()), held) for key, (dev, held) in WORDINGS.items()}


def heldout_families(kind: str | None = None) -> list[str]:
    return [f for f, (k, h) in FAMILIES.items() if h and kind in (None, k)]


def families(kind: str, split: str = "all") -> list[str]:
    """Family ids of `kind` a document of `split` may use (dev: dev families only;
    heldout: none of DEV_ONLY)."""
    return [
        f
        for f, (k, h) in FAMILIES.items()
        if k == kind and (split != "dev" or not h) and (split != "heldout" or f not in DEV_ONLY)
    ]


@dataclass
class Words:
    """Picks wordings for one document and remembers whether any was held out.

    mode: "dev" (dev wordings only), "heldout" (held-out wordings wherever a field has
    them), "any" (both; the held-out families' documents, which keep to FIRST_DEV)."""

    rng: random.Random
    mode: str = "any"
    used_heldout: bool = False
    chosen: dict[str, str] = field(default_factory=dict)

    def pick(self, key: str, *, split_ok: bool = False) -> str:
        dev, held = WORDINGS[key]
        if self.mode == "any":
            dev = FIRST_DEV[key]
        if not split_ok:
            dev = tuple(w for w in dev if "|" not in w)
            held = tuple(w for w in held if "|" not in w)
        pool = {"dev": dev, "heldout": held or dev, "any": dev + held}[self.mode]
        w = self.rng.choice(pool)
        if w in held:
            self.used_heldout = True
        self.chosen[key] = w
        return w
